"""The geometry panel and figures of notebook 04 (glulib.panels.geometry): every control driven by setting .value, extremes included;
readouts equal glulib's numbers; artists change; nothing is NaN."""

import warnings

import numpy as np
import pytest

import glulib
from glulib import geometry as geo
from glulib.panels.geometry import contour_figure, geometry_panel, surface_figure


pytestmark = pytest.mark.usefixtures("ipympl_backend", "no_logged_callback_errors")


def _geo_expected(p):
    c = p.controls
    return c["variant"].value, *(c[k].value for k in "wvbc")


def test_geometry_every_control_and_extreme(readouts_shown):
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
                readouts_shown(p)


def test_geometry_readouts_are_glulib_numbers():
    p = geometry_panel("swiglu", w=1.0, v=2.0, b=0.5, c=-1.0)
    z, f = geo.activation_minimum("silu")
    assert p.readouts["dip"].value == f"silu({z:.4f}) = {f:.4f}"
    pts, _ = geo.zeros_along_input("swiglu", np.linspace(-3, 3, 241), 1.0, 2.0, 0.5, -1.0)
    assert p.readouts["zeros"].value == ", ".join(f"{t:.3f}" for t in pts)
    p.controls["variant"].value = "glu"
    assert p.readouts["dip"].value.startswith("none")
    assert p.readouts["det_zero"].value.startswith("nowhere")
    p.controls["variant"].value = "swiglu"
    assert p.readouts["det_zero"].value.startswith(f"the line a = {z:.4f}")
    p.controls["variant"].value = "reglu"
    assert "half-plane a < 0" in p.readouts["det_zero"].value


@pytest.mark.parametrize("variant", list(glulib.VARIANTS))
def test_contour_figure_every_variant_without_warnings(variant):
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
