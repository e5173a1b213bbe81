"""Rebuilding a panel (rerunning its cell) leaves nothing behind in pyplot: no figure kept, no
"more than 20 figures" warning, however often it is rebuilt."""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest

from glulib.panels import backward, ffn, story, typhoon, zoo

REBUILDS = 25  # more than matplotlib's 20 before it warns

FACTORIES = {  # one of each kind: blitted panels, a plain panel, a live figure, a static figure
    "pump": typhoon.pump_panel,
    "swish": zoo.swish_panel,
    "ffn_costs": ffn.ffn_costs_panel,
    "dauphin_figure": backward.dauphin_figure,
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
    panels = [ffn.ffn_costs_panel(d_model=64, d_ff=128, variant="glu", tokens=8) for _ in range(3)]
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


def test_rerunning_a_cell_closes_the_panels_its_last_run_built(monkeypatch):
    """In a kernel every widget stays registered with ipywidgets until closed, and with it the
    figure: a rerun of a cell closes what its previous run built, and the memory goes."""
    import gc
    import weakref

    from glulib.panels import _common

    run = {"now": ("cell-a", 1)}
    monkeypatch.setattr(_common, "_cell_run", lambda: run["now"])
    monkeypatch.setattr(_common, "_BUILT", {})
    first = ffn.ffn_costs_panel(d_model=64, d_ff=128, variant="glu", tokens=8)
    second = zoo.swish_panel()  # the same run of the same cell: both stay
    run["now"] = ("cell-b", 2)
    other = typhoon.pump_panel()  # another cell: left alone by cell-a's rerun
    run["now"] = ("cell-a", 3)
    rerun = ffn.ffn_costs_panel(d_model=64, d_ff=128, variant="glu", tokens=8)

    def registered(panel):  # a closed widget has no comm and is out of ipywidgets' registry
        return [w.comm is not None for w in panel.controls.values()]

    assert not any(registered(first)) and not any(registered(second))
    assert all(registered(other)) and all(registered(rerun))
    rerun.controls["tokens"].value = 16  # the new panel works
    assert rerun.readouts["memory_recompute_from_x"].value.startswith(f"{16 * 64 * 4:,} bytes")
    figs = [weakref.ref(first.fig), weakref.ref(second.fig)]
    del first, second
    gc.collect()
    assert all(ref() is None for ref in figs)


def test_outside_a_kernel_nothing_is_closed():
    from glulib.panels import _common

    assert _common._cell_run() is None  # pytest: no kernel, no cell id
    a = ffn.ffn_costs_panel(d_model=64, d_ff=128, variant="glu", tokens=8)
    b = ffn.ffn_costs_panel(d_model=64, d_ff=128, variant="glu", tokens=8)
    a.controls["tokens"].value = 4
    assert a.readouts["memory_recompute_from_x"].value.startswith(f"{4 * 64 * 4:,} bytes") and b.fig is not a.fig
