"""Figures without ipympl's harmless start-up warning.

ipympl 0.10 builds its toolbar with an argument that traitlets deprecates, so every new
figure made under ``%matplotlib widget`` emits a DeprecationWarning ("Passing unrecognized
arguments to super(Toolbar).__init__()") that would show in a notebook's output. Only that
warning is silenced, only while a figure is made.
"""

import contextlib
import warnings

import matplotlib.pyplot as plt

from ._common import figure


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


def static_subplots(*args, **kwargs):
    """``plt.subplots`` for a static figure: interactive mode off, so ipympl does not show it live."""
    with quiet_toolbar(), plt.ioff():
        return plt.subplots(*args, **kwargs)
