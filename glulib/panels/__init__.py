"""Interactive figures for the notebooks. Each factory builds its figure once, updates
artists in place on every change, and returns a Panel whose ``controls`` a test can set
(``panel.controls["rainfall"].value = 80``) and whose ``readouts`` it can read.

    from glulib.panels import static_twin
    display(static_twin(fig))      # a PNG of any figure as it is now: reads without a kernel

Math never lives here: panels call glulib for every number they show.
"""

from ._common import static_twin

__all__ = ["static_twin"]
