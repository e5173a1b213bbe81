"""Premises of notebook 04's prose: where the Hessian test says nothing, and the unit's minimum along x."""

import numpy as np
import pytest

import glulib
from glulib import geometry
from glulib.panels.geometry import plane

START = {"w": 1.5, "v": 1.0, "b": 0.5, "c": 0.5}


@pytest.fixture(scope="module")
def grid():
    return plane()


def _rest(variant, A, U):
    det = geometry.hessian(variant, A, U)["det"]
    return np.unique(A[~(det < -geometry.DET_TOL)])


def test_which_grid_points_are_clear_saddles(grid):
    A, U = grid
    step = A[0, 1] - A[0, 0]
    for variant in ("glu", "bilinear", "swiglu"):
        assert _rest(variant, A, U).size == 0, variant
    a_gelu = geometry.activation_minimum("gelu")[0]
    rest = _rest("geglu", A, U)
    assert rest.size == 1 and abs(rest[0] - a_gelu) < step / 2  # the column nearest GELU's lowest point
    columns = np.unique(A)
    np.testing.assert_array_equal(_rest("reglu", A, U), columns[columns < 0])
    a_silu = geometry.activation_minimum("silu")[0]
    assert np.min(np.abs(columns - a_silu)) > step / 10  # Swish's line falls between two columns


def test_on_the_line_the_surface_curves_along_a_only():
    a_star = geometry.activation_minimum("gelu")[0]
    u = np.array([-2.0, -1.0, 1.0, 2.0])
    H = geometry.hessian("geglu", np.full(4, a_star), u)
    assert np.all(np.sign(H["aa"]) == np.sign(u)) and np.all(np.abs(H["aa"]) > 0.1)
    np.testing.assert_allclose(H["uu"], 0, atol=1e-12)
    np.testing.assert_allclose(H["au"], 0, atol=1e-6)


def test_the_panels_unit_has_a_minimum_along_x():
    """'Between the two red crosses the thick curve dips just below zero', a minimum along the line
    (slope zero along it, not across it; curving up)."""
    x = np.linspace(-3, 3, 6001)
    along = geometry.along_input("geglu", x, **START)
    k = int(np.argmin(along["product"]))
    zeros, runs = geometry.zeros_along_input("geglu", x, **START)
    assert len(zeros) == 2 and not runs and zeros[0] < x[k] < zeros[1]
    assert -0.01 < along["product"][k] < 0 and along["curvature"][k] > 0
    dp_da, dp_du = geometry.gradient("geglu", along["a"][k], along["u"][k])
    assert abs(START["w"] * dp_da + START["v"] * dp_du) < 1e-3 < np.hypot(dp_da, dp_du)


@pytest.mark.parametrize("variant", list(glulib.VARIANTS))
def test_no_strict_extremum_where_act_is_zero(variant):
    """The one-line argument: dp/du = act(a) = 0 forces p = 0 along the whole u-line."""
    a = np.array([0.0, -1.0]) if variant == "reglu" else np.array([0.0])
    if variant == "glu":
        assert np.all(glulib.activate(np.linspace(-6, 6, 101), "sigmoid") > 0)
        return
    u = np.linspace(-3, 3, 7)
    for a0 in a:
        p = geometry.surfaces(variant, np.full_like(u, a0), u)["product"]
        np.testing.assert_array_equal(p, 0.0)
