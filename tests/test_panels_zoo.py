"""The zoo and Swish panels: every control driven; artists follow glulib's numbers."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import glulib
from glulib import zoo
from glulib.panels import zoo as zp


pytestmark = pytest.mark.usefixtures("ipympl_backend", "no_logged_callback_errors")


@pytest.mark.parametrize("variant", list(glulib.VARIANTS))
def test_zoo_every_variant(variant):
    p = zp.zoo_panel()
    act = glulib.VARIANTS[variant]
    before = np.array(p.fig.axes[1].images[0].get_array()).copy()
    p.controls["activation"].value = act
    ax_f, ax_h = p.fig.axes[0], p.fig.axes[1]
    np.testing.assert_allclose(ax_f.lines[0].get_ydata(), glulib.activate(zp.Z, act, 1.0), rtol=1e-12)
    np.testing.assert_allclose(ax_f.lines[1].get_ydata(), glulib.activate_grad(zp.Z, act, 1.0), rtol=1e-12)
    out = np.array(ax_h.images[0].get_array())
    np.testing.assert_allclose(out, zoo.surface(variant, zp.LIM, 121)[2], rtol=1e-12)
    assert np.all(np.isfinite(out))
    if variant != "glu":
        assert not np.allclose(out, before)
    assert f"{out[-1, -1]:.3f}" in p.readouts["corner"].value
    assert p.controls["beta"].disabled == (act != "silu")
    p.update()


@pytest.mark.parametrize("beta", [zp.BETA_RANGE[0], 1.0, zp.BETA_RANGE[1]])
def test_zoo_beta_extremes(beta):
    p = zp.zoo_panel("swiglu")
    p.controls["beta"].value = beta
    out = np.array(p.fig.axes[1].images[0].get_array())
    np.testing.assert_allclose(out, zoo.surface("swiglu", zp.LIM, 121, beta)[2], rtol=1e-12)
    np.testing.assert_allclose(p.fig.axes[0].lines[0].get_ydata(), glulib.activate(zp.Z, "silu", beta), rtol=1e-12)
    p.update()


@pytest.mark.parametrize("beta", [zp.BETA_RANGE[0], 1.0, zp.BETA_RANGE[1]])
def test_swish_panel_beta(beta):
    p = zp.swish_panel()
    line = p.fig.axes[0].lines[2]
    before = np.array(line.get_ydata()).copy()
    p.controls["beta"].value = beta
    y = np.array(line.get_ydata())
    np.testing.assert_allclose(y, glulib.activate(zp.Z, "silu", beta), rtol=1e-12)
    if beta != 1.0:
        assert not np.allclose(y, before)
    gap = float(np.abs(y - glulib.activate(zp.Z, "relu")).max())
    assert f"{gap:.3f}" in p.readouts["gap_relu"].value
    p.update()


def test_swish_limits():
    p = zp.swish_panel()
    p.controls["beta"].value = zp.BETA_RANGE[0]
    small = float(p.readouts["gap_half"].value.split("<b>")[1].split("</b>")[0])
    p.controls["beta"].value = zp.BETA_RANGE[1]
    large = float(p.readouts["gap_relu"].value.split("<b>")[1].split("</b>")[0])
    # near z/2 at small beta (the gap grows like beta z^2 / 4), near ReLU at large beta (0.28 / beta)
    assert small < 0.25 and large < 0.03
    p.controls["beta"].value = 1.0
    assert float(p.readouts["gap_half"].value.split("<b>")[1].split("</b>")[0]) > 1.5


def test_static_figures_build():
    for make in (zp.derivatives_figure, zp.surfaces_figure, zp.gelu_error_figure):
        fig = make()
        assert fig.axes
        plt.close(fig)
