"""Rebuilding a panel (rerunning its cell) leaves nothing behind in pyplot: no figure kept, no
"more than 20 figures" warning, however often it is rebuilt."""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest

from glulib.panels import ffn_costs, pump, story, zoo
from glulib.panels import depth as depth_panels

REBUILDS = 25  # more than matplotlib's 20 before it warns

FACTORIES = {  # one of each kind: blitted panels, a plain panel, a live figure, a static figure
    "pump": pump.pump_panel,
    "swish": zoo.swish_panel,
    "ffn_costs": ffn_costs.ffn_costs_panel,
    "dauphin_figure": depth_panels.dauphin_figure,
    "two_branches": story.two_branches,
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_rebuilding_keeps_no_figure_in_pyplot_and_warns_nothing(name):
    before = set(plt.get_fignums())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib's RuntimeWarning after 20 figures would raise
        for _ in range(REBUILDS):
            FACTORIES[name]()
    assert set(plt.get_fignums()) == before


def test_a_rebuilt_panel_still_draws_and_updates():
    panels = [ffn_costs.ffn_costs_panel(d_model=64, d_ff=128, variant="glu", tokens=8) for _ in range(3)]
    last = panels[-1]
    last.controls["tokens"].value = 16
    heights = [bar.get_height() for bar in last.fig.axes[1].patches[:3]]
    assert np.all(np.isfinite(heights)) and max(heights) > 0
    assert last.static().data[:4] == b"\x89PNG"


def test_static_subplots_takes_plt_subplots_arguments():
    from glulib.panels._quiet import static_subplots

    before = plt.get_fignums()
    fig, axes = static_subplots(2, 3, figsize=(6, 3), sharey=True, squeeze=False)
    assert axes.shape == (2, 3) and tuple(fig.get_size_inches()) == (6, 3)
    assert axes[0, 1].get_shared_y_axes().joined(axes[0, 0], axes[0, 1])
    assert plt.get_fignums() == before
