"""Interactive figures for the notebooks. Each factory builds its figure once, updates
artists in place on every change, and returns a Panel whose ``controls`` a test can set
(``panel.controls["rainfall"].value = 80``) and whose ``readouts`` it can read.

    from glulib.panels import live_figure, static_twin
    display(static_twin(fig))      # a PNG of any figure as it is now: reads without a kernel
    fig = live_figure((7.5, 3.0))  # the figure a live panel draws on (pyplot does not keep it)

Math never lives here: panels call glulib for every number they show.
"""

from ._common import static_twin
from ._quiet import live_figure

__all__ = ["live_figure", "static_twin"]
