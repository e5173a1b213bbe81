"""The vanishing-gradient panels of notebook 03 (glulib.panels.backward): every control driven by setting .value, extremes included;
readouts equal glulib's numbers; artists change; nothing is NaN."""

import numpy as np
import pytest

from glulib import backward
from glulib.panels.backward import dauphin_figure, depth_panel, gain_panel, gain_sweep_figure, modes_figure


pytestmark = pytest.mark.usefixtures("ipympl_backend", "no_logged_callback_errors")


@pytest.fixture(scope="module")
def result():
    return backward.run(max_depth=10, width=6, batch=3, seeds=(0, 1, 2))


def test_depth_every_control(result, readouts_shown):
    p = depth_panel(result)
    assert set(p.controls) == {"depth", "mode", "unit"} and set(p.readouts) == {"ratio", "seeds", "ranking"}
    ax = p.fig.axes[0]
    for mode in backward.MODES:
        p.controls["mode"].value = mode
        for unit in backward.UNITS:
            p.controls["unit"].value = unit
            for L in (1, result.max_depth):
                p.controls["depth"].value = L
                assert p.readouts["ratio"].value == f"{unit}: {backward.format_ratio(result.median(unit, mode, L))}"
                s = result.seeds_at(unit, mode, L)
                assert p.readouts["seeds"].value == f"{backward.format_ratio(s.min())} to {backward.format_ratio(s.max())}"
                assert p.readouts["ranking"].value == " &gt; ".join(result.ranking(mode, L))
                line = ax.lines[backward.UNITS.index(unit)]
                want = np.clip(result.median(unit, mode), 1e-100, 1e100)
                np.testing.assert_allclose(line.get_ydata(), want, rtol=1e-12)
                assert list(ax.lines[len(backward.UNITS) + 2].get_xdata()) == [L, L]
                widths = [b.get_width() for b in p.fig.axes[1].patches]
                assert np.all(np.isfinite(widths))
                readouts_shown(p)


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
    f = backward.dauphin_factors(X, np.ones_like(X))
    np.testing.assert_allclose(glu_line.get_ydata(), f["glu_value"])
    np.testing.assert_allclose(gtu_line.get_ydata(), f["gtu_value"])


def test_gain_panel_every_control(readouts_shown):
    seeds = (0, 1)
    p = gain_panel(max_depth=6, width=5, batch=2, seeds=seeds)
    assert set(p.controls) == {"gain", "unit", "mode"} and set(p.readouts) == {"ratio", "seeds", "reference"}
    ax = p.fig.axes[0]
    ref_line, line = ax.lines[0], ax.lines[1]
    for unit in backward.UNITS:
        p.controls["unit"].value = unit
        for mode in backward.MODES:
            p.controls["mode"].value = mode
            for gain in (p.controls["gain"].min, 1.8, p.controls["gain"].max):
                p.controls["gain"].value = gain
                r = np.array([backward.gradient_ratios(unit, mode, 6, 5, 2, s, gain) for s in seeds])
                ref = np.array([backward.gradient_ratios(unit, mode, 6, 5, 2, s) for s in seeds])
                np.testing.assert_allclose(line.get_ydata(), np.clip(np.median(r, axis=0), 1e-100, 1e100))
                np.testing.assert_allclose(ref_line.get_ydata(), np.clip(np.median(ref, axis=0), 1e-100, 1e100))
                assert p.readouts["ratio"].value == backward.format_ratio(float(np.median(r[:, -1])))
                assert p.readouts["reference"].value == backward.format_ratio(float(np.median(ref[:, -1])))
                assert p.controls["gain"].description == ("gain on V" if unit in ("gtu", "glu", "geglu", "swiglu")
                                                          else "gain on W")
                readouts_shown(p)
    assert p.static().data[:4] == b"\x89PNG"


def test_gain_sweep_figure():
    gains = [0.5, 1.0, 2.0]
    sweep = backward.gain_sweep("glu", gains, depth=4, width=4, batch=2, seeds=(0, 1, 2))
    fig = gain_sweep_figure("glu", gains, sweep, 4)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.median(sweep, axis=1))
    assert ax.get_xlabel() == "gain on V" and "GLU" in ax.get_title()


def test_depth_modes_figure(result):
    fig = modes_figure(result)
    assert len(fig.axes) == len(result.modes)
    for ax, mode in zip(fig.axes, result.modes):
        np.testing.assert_allclose(ax.lines[backward.UNITS.index("glu")].get_ydata(),
                                   np.clip(result.median("glu", mode), 1e-100, 1e100))
