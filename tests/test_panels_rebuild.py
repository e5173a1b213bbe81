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
    monkeypatch.setattr(_common, "_in_kernel", lambda: True)
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
    other.close()
    rerun.close()


def _registered():
    """The ids of every widget ipywidgets keeps registered now (a closed one is not)."""
    from ipywidgets.widgets.widget import _instances

    return set(_instances)


def test_outside_a_kernel_a_panel_holds_nothing_in_ipywidgets_and_still_works():
    """A script or IPython in a terminal shows no widget: a panel lets go of ipywidgets'
    registry (Layouts and Styles too) and goes with its last reference; until then it works."""
    import gc
    import weakref

    from glulib.panels import _common

    assert not _common._in_kernel()  # pytest: no kernel
    before = _registered()
    a = ffn.ffn_costs_panel(d_model=64, d_ff=128, variant="glu", tokens=8)
    b = ffn.ffn_costs_panel(d_model=64, d_ff=128, variant="glu", tokens=8)
    assert _registered() <= before  # nothing new stays registered
    a.controls["tokens"].value = 4
    assert a.readouts["memory_recompute_from_x"].value.startswith(f"{4 * 64 * 4:,} bytes") and b.fig is not a.fig
    figs = [weakref.ref(a.fig), weakref.ref(b.fig)]
    del a, b
    gc.collect()
    assert all(ref() is None for ref in figs), "a rebuilt panel's old figure is still held"


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_a_rebuild_in_a_script_keeps_no_old_figure(name):
    import gc
    import weakref

    refs = []
    for _ in range(3):
        built = FACTORIES[name]()
        fig = getattr(built, "fig", None)
        if fig is not None:
            refs.append(weakref.ref(fig))
    del built, fig
    gc.collect()
    assert all(ref() is None for ref in refs)


def _kernel_without_cell_ids(monkeypatch, count):
    """Pretend to run in a kernel whose front end sends no cell id, at execution ``count``."""
    from glulib.panels import _common

    monkeypatch.setattr(_common, "_in_kernel", lambda: True)
    monkeypatch.setattr(_common, "_cell_run", lambda: None)
    shell = type("Shell", (), {"execution_count": count})()
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)


def _build_here():
    return ffn.ffn_costs_panel(d_model=64, d_ff=128, variant="glu", tokens=8)


def test_without_cell_ids_a_rerun_of_the_same_code_closes_what_it_built(monkeypatch):
    """Classic Notebook and other front ends send no cell id: the code that built a panel (its
    file and line; IPython's prompt number left out) stands for the cell."""
    from glulib.panels import _common

    monkeypatch.setattr(_common, "_BUILT", {})
    _kernel_without_cell_ids(monkeypatch, 1)
    first = _build_here()
    same_run = _build_here()  # the same run of the same code: both stay
    _kernel_without_cell_ids(monkeypatch, 2)
    other = zoo.swish_panel()  # other code: left alone
    _kernel_without_cell_ids(monkeypatch, 3)
    rerun = _build_here()
    closed = [w.comm is None for p in (first, same_run) for w in p.controls.values()]
    open_ = [w.comm is not None for p in (other, rerun) for w in p.controls.values()]
    assert all(closed) and all(open_)
    layouts = [w.layout.comm is None for w in first.controls.values()]
    assert all(layouts), "a closed panel left its Layout widgets registered"
    for p in (other, rerun):
        p.close()


def test_ipython_prompt_numbers_do_not_make_a_new_cell():
    from glulib.panels._common import _PROMPT_NUMBER

    a = _PROMPT_NUMBER.sub("<ipython-input-", "<ipython-input-12-3f2a9c1b0e4d>")
    b = _PROMPT_NUMBER.sub("<ipython-input-", "<ipython-input-13-3f2a9c1b0e4d>")
    assert a == b == "<ipython-input-3f2a9c1b0e4d>"


def test_close_lets_go_of_every_widget_layouts_and_styles_too(monkeypatch):
    from glulib.panels import _common

    monkeypatch.setattr(_common, "_in_kernel", lambda: True)
    monkeypatch.setattr(_common, "_cell_run", lambda: None)
    monkeypatch.setattr(_common, "_code_run", lambda: None)
    for name in ("pump", "swish", "ffn_costs"):
        before = _registered()
        panel = FACTORIES[name]()
        assert _registered() - before, f"{name}: in a kernel the panel's widgets are registered"
        panel.close()
        left = _registered() - before
        assert not left, f"{name}: close() left {len(left)} widgets registered"


def test_a_slider_set_to_nan_from_code_is_refused_with_a_clear_error():
    import math

    import traitlets

    panel = typhoon.pump_panel()
    for bad in (float("nan"), math.inf, -math.inf):
        with pytest.raises(traitlets.TraitError, match=r"slider 'weight on rainfall'.*finite number"):
            panel.controls["gate_rainfall"].value = bad
    assert panel.controls["gate_rainfall"].value == typhoon.story_values()["gate_rainfall"]
    panel.controls["gate_rainfall"].value = 9.0  # out of range: clamped, as ipywidgets does
    assert panel.controls["gate_rainfall"].value == typhoon.WEIGHT_RANGE[1]
