"""Panels of notebooks 03-05 (depth, geometry, FFN costs): every control driven by setting
.value, extremes included; readouts equal glulib's numbers; artists change; nothing is NaN."""

import numpy as np
import pytest

import glulib
from glulib import costs, depth
from glulib import geometry as geo
from glulib.panels.depth import dauphin_figure, depth_panel, gain_panel, gain_sweep_figure
from glulib.panels.ffn_costs import baseline_d_ff, ffn_costs_panel
from glulib.panels.geometry import geometry_panel, surface_figure


pytestmark = pytest.mark.usefixtures("ipympl_backend", "no_logged_callback_errors")


def _no_nan_text(panel):
    for key, w in panel.readouts.items():
        assert "nan" not in w.value.lower() and w.value, key


# ---- depth ----
@pytest.fixture(scope="module")
def result():
    return depth.run(max_depth=10, width=6, batch=3, seeds=(0, 1, 2))


def test_depth_every_control(result):
    p = depth_panel(result)
    assert set(p.controls) == {"depth", "mode", "unit"} and set(p.readouts) == {"ratio", "seeds", "ranking"}
    ax = p.fig.axes[0]
    for mode in depth.MODES:
        p.controls["mode"].value = mode
        for unit in depth.UNITS:
            p.controls["unit"].value = unit
            for L in (1, result.max_depth):
                p.controls["depth"].value = L
                assert p.readouts["ratio"].value == f"{unit}: {depth.format_ratio(result.median(unit, mode, L))}"
                s = result.seeds_at(unit, mode, L)
                assert p.readouts["seeds"].value == f"{depth.format_ratio(s.min())} to {depth.format_ratio(s.max())}"
                assert p.readouts["ranking"].value == " &gt; ".join(result.ranking(mode, L))
                line = ax.lines[depth.UNITS.index(unit)]
                want = np.clip(result.median(unit, mode), 1e-100, 1e100)
                np.testing.assert_allclose(line.get_ydata(), want, rtol=1e-12)
                assert list(ax.lines[len(depth.UNITS) + 2].get_xdata()) == [L, L]
                widths = [b.get_width() for b in p.fig.axes[1].patches]
                assert np.all(np.isfinite(widths))
                _no_nan_text(p)


def test_depth_mode_changes_the_curves(result):
    p = depth_panel(result, mode="plain")
    before = np.array(p.fig.axes[0].lines[0].get_ydata(), dtype=float).copy()
    p.controls["mode"].value = "prenorm"
    assert not np.allclose(before, p.fig.axes[0].lines[0].get_ydata())


def test_depth_static_twin_and_dauphin_figure(result):
    assert depth_panel(result).static().data[:8] == b"\x89PNG\r\n\x1a\n"
    fig = dauphin_figure(gate=1.0)
    glu_line, gtu_line = fig.axes[0].lines
    X = glu_line.get_xdata()
    f = depth.dauphin_factors(X, np.ones_like(X))
    np.testing.assert_allclose(glu_line.get_ydata(), f["glu_value"])
    np.testing.assert_allclose(gtu_line.get_ydata(), f["gtu_value"])


def test_gain_panel_every_control():
    seeds = (0, 1)
    p = gain_panel(max_depth=6, width=5, batch=2, seeds=seeds)
    assert set(p.controls) == {"gain", "unit", "mode"} and set(p.readouts) == {"ratio", "seeds", "reference"}
    ax = p.fig.axes[0]
    ref_line, line = ax.lines[0], ax.lines[1]
    for unit in depth.UNITS:
        p.controls["unit"].value = unit
        for mode in depth.MODES:
            p.controls["mode"].value = mode
            for gain in (p.controls["gain"].min, 1.8, p.controls["gain"].max):
                p.controls["gain"].value = gain
                r = np.array([depth.gradient_ratios(unit, mode, 6, 5, 2, s, gain) for s in seeds])
                ref = np.array([depth.gradient_ratios(unit, mode, 6, 5, 2, s) for s in seeds])
                np.testing.assert_allclose(line.get_ydata(), np.clip(np.median(r, axis=0), 1e-100, 1e100))
                np.testing.assert_allclose(ref_line.get_ydata(), np.clip(np.median(ref, axis=0), 1e-100, 1e100))
                assert p.readouts["ratio"].value == depth.format_ratio(float(np.median(r[:, -1])))
                assert p.readouts["reference"].value == depth.format_ratio(float(np.median(ref[:, -1])))
                assert p.controls["gain"].description == ("gain on V" if unit in ("gtu", "glu", "geglu", "swiglu")
                                                          else "gain on W")
                _no_nan_text(p)
    assert p.static().data[:4] == b"\x89PNG"


def test_gain_sweep_figure():
    gains = [0.5, 1.0, 2.0]
    sweep = depth.gain_sweep("glu", gains, depth=4, width=4, batch=2, seeds=(0, 1, 2))
    fig = gain_sweep_figure("glu", gains, sweep, 4)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.median(sweep, axis=1))
    assert ax.get_xlabel() == "gain on V" and "GLU" in ax.get_title()


# ---- geometry ----
def _geo_expected(p):
    c = p.controls
    return c["variant"].value, *(c[k].value for k in "wvbc")


def test_geometry_every_control_and_extreme():
    p = geometry_panel()
    assert set(p.controls) == {"variant", "w", "v", "b", "c"}
    img = p.fig.axes[0].images[0]
    for variant in glulib.VARIANTS:
        before = np.array(img.get_array(), dtype=float).copy()
        p.controls["variant"].value = variant
        if variant != "geglu":
            assert not np.allclose(before, img.get_array())
        A, U = np.meshgrid(np.linspace(-3, 3, 121), np.linspace(-3, 3, 121))
        np.testing.assert_allclose(img.get_array(), geo.surfaces(variant, A, U)["product"])
        for key in "wvbc":
            for value in (p.controls[key].min, p.controls[key].max):
                gate_before = np.array(p.fig.axes[2].lines[0].get_ydata(), dtype=float).copy()
                p.controls[key].value = value
                name, w, v, b, c = _geo_expected(p)
                at0 = glulib.glu(np.array([c]), np.array([b]), glulib.VARIANTS[name])[0]
                assert p.readouts["at_zero"].value.endswith(f"= {at0:.4f}")
                x = np.linspace(-3, 3, 241)
                d = geo.along_input(name, x, w, v, b, c)
                np.testing.assert_allclose(p.fig.axes[2].lines[0].get_ydata(), d["gate"])
                np.testing.assert_allclose(p.fig.axes[0].lines[0].get_xydata(), np.c_[d["a"], d["u"]])
                if key in "wb" and w != 0:
                    assert not np.allclose(gate_before, d["gate"])
                assert np.all(np.isfinite(d["product"]))
                _no_nan_text(p)


def test_geometry_readouts_are_glulib_numbers():
    p = geometry_panel("swiglu", w=1.0, v=2.0, b=0.5, c=-1.0)
    z, f = geo.activation_minimum("silu")
    assert p.readouts["dip"].value == f"silu({z:.4f}) = {f:.4f}"
    pts, _ = geo.zeros_along_input("swiglu", np.linspace(-3, 3, 241), 1.0, 2.0, 0.5, -1.0)
    assert p.readouts["zeros"].value == ", ".join(f"{t:.3f}" for t in pts)
    p.controls["variant"].value = "glu"
    assert p.readouts["dip"].value.startswith("none")
    assert p.readouts["saddle"].value.startswith("100.0% saddle")


@pytest.mark.parametrize("variant", list(glulib.VARIANTS))
def test_contour_figure_every_variant_without_warnings(variant):
    import warnings

    from glulib.panels.geometry import contour_figure

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = contour_figure(variant, n=41)
        fig.canvas.draw()
    assert len(fig.axes) == 3
    # the zero level is drawn on the product exactly when the product takes both signs
    assert any(len(c.get_paths()) for c in fig.axes[2].collections[1:])


def test_geometry_static_figures():
    assert geometry_panel().static().data[:4] == b"\x89PNG"
    fig = surface_figure("geglu", n=11)
    assert len(fig.axes) == 3


# ---- FFN costs ----
def _costs_check(p):
    c = {k: p.controls[k].value for k in ("d_model", "d_ff", "variant", "tokens")}
    s = costs.summary(c["d_model"], c["d_ff"], c["variant"], c["tokens"])
    assert p.readouts["params"].value == f"{s['params']:,}"
    for k in ("flops_forward", "flops_backward", "flops_backward_recompute_from_x"):
        assert p.readouts[k].value.startswith(f"{s[k]:,} ")
    for strat in costs.STRATEGIES:
        assert p.readouts[f"memory_{strat}"].value.startswith(f"{s[f'memory_{strat}']:,} bytes")
    heights = [b.get_height() for b in p.fig.axes[1].patches[:3]]
    np.testing.assert_allclose(heights, [s[f"memory_{t}"] / 2 ** 20 for t in costs.STRATEGIES])
    _no_nan_text(p)
    return s


def test_costs_every_control_and_extreme():
    p = ffn_costs_panel()
    for variant in [*glulib.VARIANTS, *glulib.BASELINES]:
        p.controls["variant"].value = variant
        _costs_check(p)
        for key in ("d_model", "d_ff", "tokens"):
            for value in (p.controls[key].min, p.controls[key].max, 768 if key != "tokens" else 512):
                before = [b.get_height() for b in p.fig.axes[0].patches]
                p.controls[key].value = value
                _costs_check(p)
                after = [b.get_height() for b in p.fig.axes[0].patches]
                assert before != after or value == before  # unchanged only if the value was already set


def test_costs_two_thirds_rule_shows_equal_bars():
    p = ffn_costs_panel(d_model=768, d_ff=2048, variant="geglu", tokens=128)
    assert baseline_d_ff(2048, "geglu") == baseline_d_ff(2048, "geglu_tanh") == 3072
    assert baseline_d_ff(2048, "relu") == 2048
    assert p.readouts["baseline"].value == f"d_ff 3072: {costs.ffn_params(768, 3072, 'relu'):,} parameters"
    fwd_chosen, fwd_base = p.fig.axes[0].patches[0].get_height(), p.fig.axes[0].patches[3].get_height()
    assert fwd_chosen == pytest.approx(fwd_base)
    assert p.static().data[:4] == b"\x89PNG"


def test_depth_modes_figure(result):
    from glulib.panels.depth import modes_figure

    fig = modes_figure(result)
    assert len(fig.axes) == len(result.modes)
    for ax, mode in zip(fig.axes, result.modes):
        np.testing.assert_allclose(ax.lines[depth.UNITS.index("glu")].get_ydata(),
                                   np.clip(result.median("glu", mode), 1e-100, 1e100))
