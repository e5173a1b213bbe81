"""Figures without ipympl's harmless start-up warning, and static figures without pyplot.

ipympl 0.10 builds its toolbar with an argument that traitlets deprecates, so every new
figure made under ``%matplotlib widget`` emits a DeprecationWarning ("Passing unrecognized
arguments to super(Toolbar).__init__()") that would show in a notebook's output. Only that
warning is silenced, only while a figure is made.
"""

import contextlib
import warnings

from matplotlib.figure import Figure

from ._common import figure

_SUBPLOTS_ARGS = {"sharex", "sharey", "squeeze", "width_ratios", "height_ratios", "subplot_kw", "gridspec_kw"}


@contextlib.contextmanager
def quiet_toolbar():
    """Silence ipympl's toolbar DeprecationWarning inside the block."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Passing unrecognized arguments to super\(Toolbar\)",
                                category=DeprecationWarning)
        yield


def live_figure(figsize, **kwargs):
    """``_common.figure(figsize)`` (a live figure the panel places), quietly."""
    with quiet_toolbar():
        return figure(figsize=figsize, **kwargs)


def static_figure(figsize=None, **kwargs):
    """A plain Figure for a figure that is only ever shown as its static twin (a PNG): no live
    canvas widget is made for it, and pyplot does not keep it."""
    return Figure(figsize=figsize, **kwargs)


def static_subplots(nrows=1, ncols=1, **kwargs):
    """``plt.subplots`` for a static figure, without pyplot: a plain Figure that no backend
    shows live and pyplot does not keep (it goes when the last reference does). Takes
    plt.subplots' arguments; ``sharex``, ``sharey``, ``squeeze``, ``width_ratios``,
    ``height_ratios``, ``subplot_kw`` and ``gridspec_kw`` go to the axes, the rest to the Figure."""
    grid = {k: kwargs.pop(k) for k in _SUBPLOTS_ARGS & set(kwargs)}
    fig = static_figure(**kwargs)
    return fig, fig.subplots(nrows, ncols, **grid)
