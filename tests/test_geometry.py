"""glulib.geometry against closed forms written with math.erf / np.exp."""

import math

import numpy as np
import pytest

import glulib
from glulib import geometry as geo

SQ2PI = math.sqrt(2 * math.pi)


def gelu_terms(a):
    a = np.asarray(a, dtype=np.float64)
    cdf = 0.5 * (1 + np.vectorize(math.erf)(a / math.sqrt(2)))
    pdf = np.exp(-0.5 * a * a) / SQ2PI
    return a * cdf, cdf + a * pdf, pdf * (2 - a * a)  # f, f', f''


@pytest.fixture
def grid():
    t = np.linspace(-3, 3, 25)
    return np.meshgrid(t, t)


def test_surfaces_geglu(grid):
    A, U = grid
    s = geo.surfaces("geglu", A, U)
    f, _, _ = gelu_terms(A)
    np.testing.assert_allclose(s["gate"], f, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(s["product"], f * U, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(s["value"], U)


def test_hessian_geglu_closed_form(grid):
    A, U = grid
    H = geo.hessian("geglu", A, U)
    _, d1, d2 = gelu_terms(A)
    np.testing.assert_allclose(H["aa"], d2 * U, atol=1e-7)
    np.testing.assert_allclose(H["au"], d1, atol=1e-7)
    np.testing.assert_allclose(H["uu"], 0.0, atol=1e-9)
    np.testing.assert_allclose(H["det"], -d1 ** 2, atol=1e-7)


@pytest.mark.parametrize("variant", ["glu", "bilinear", "geglu", "swiglu"])
def test_no_bowls_anywhere(variant, grid):
    """det H = -act'(a)^2 <= 0: a gated product has saddles, never a local min or max."""
    A, U = grid
    cls = geo.curvature_class(geo.hessian(variant, A, U)["det"])
    assert not np.any(cls == 1)
    assert np.mean(cls == -1) > 0.9


def test_reglu_flat_where_gate_is_shut(grid):
    A, U = grid
    cls = geo.curvature_class(geo.hessian("reglu", A, U)["det"])
    assert np.all(cls[A < -0.1] == 0) and np.all(cls[A > 0.1] == -1)


def test_zero_set_of_bilinear_is_the_axes():
    t = np.linspace(-1, 1, 5)  # includes 0
    A, U = np.meshgrid(t, t)
    mask = geo.zero_set(geo.surfaces("bilinear", A, U)["product"])
    np.testing.assert_array_equal(mask, (A == 0) | (U == 0))


def test_along_input_matches_closed_form():
    x = np.linspace(-2, 2, 9)
    w, v, b, c = 1.3, -0.7, 0.4, 0.9
    d = geo.along_input("geglu", x, w, v, b, c)
    a, u = w * x + b, v * x + c
    f, d1, d2 = gelu_terms(a)
    np.testing.assert_allclose(d["product"], f * u, rtol=1e-12)
    np.testing.assert_allclose(d["slope"], w * u * d1 + v * f, rtol=1e-10)
    np.testing.assert_allclose(d["curvature"], w * w * u * d2 + 2 * w * v * d1, atol=1e-6)


def test_output_at_zero_is_act_b_times_c():
    d = geo.along_input("swiglu", np.array([0.0]), 2.0, -1.0, 0.7, 1.5)
    assert d["product"][0] == pytest.approx(0.7 / (1 + math.exp(-0.7)) * 1.5, rel=1e-12)
    assert geo.along_input("swiglu", np.array([0.0]), 2.0, -1.0, 0.7, 0.0)["product"][0] == 0.0


def test_zeros_along_input():
    x = np.linspace(-3, 3, 601)
    pts, runs = geo.zeros_along_input("geglu", x, 1.0, 2.0, 0.5, -1.0)
    np.testing.assert_allclose(pts, [-0.5, 0.5], atol=1e-9)  # gate zero at -b/w, value zero at -c/v
    assert runs == []
    pts, runs = geo.zeros_along_input("reglu", x, 1.0, 1.0, 0.5, -0.5)
    np.testing.assert_allclose(pts, [0.5], atol=1e-9)
    assert runs == [(-3.0, pytest.approx(-0.5))]


@pytest.mark.parametrize("activation, z_ref", [("gelu", None), ("silu", None)])
def test_activation_minimum(activation, z_ref):
    z, f = geo.activation_minimum(activation)
    assert abs(float(glulib.activate_grad(np.array([z]), activation)[0])) < 1e-9
    grid = np.linspace(-4, 0, 40001)
    vals = glulib.activate(grid, activation)
    assert f == pytest.approx(vals.min(), abs=1e-8)
    assert z == pytest.approx(grid[np.argmin(vals)], abs=2e-4)


def test_gelu_dip_value():
    z, f = geo.activation_minimum("gelu")
    fz, d1, _ = gelu_terms(np.array([z]))
    assert abs(d1[0]) < 1e-10 and f == pytest.approx(fz[0], rel=1e-12)
    assert -0.18 < f < -0.16


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "identity"])
def test_no_dip(activation):
    assert geo.activation_minimum(activation) is None


@pytest.mark.parametrize("call, exc, match", [
    (lambda: geo.surfaces("gtu", 0.0, 0.0), ValueError, "unknown variant 'gtu'"),
    (lambda: geo.along_input("glu", [0.0], "1", 0, 0, 0), TypeError, "w must be a real number"),
    (lambda: geo.along_input("glu", [0.0], 1, 0, float("nan"), 0), ValueError, "b must be finite"),
    (lambda: geo.zero_set(np.zeros(3)), ValueError, "must be a 2-D grid"),
    (lambda: geo.surfaces("glu", np.zeros(3), np.zeros(4)), ValueError,
     "must broadcast to one shape, got a \\(3,\\), u \\(4,\\)"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_zero_sets_as_notebook_04_describes_them():
    """On the panel's grid: GLU's zero set is the u axis alone (half of GEGLU's two axes), ReGLU's
    a whole half-plane, and every other variant's lies on the axes."""
    from glulib.panels.geometry import plane

    A, U = plane()
    step = A[0, 1] - A[0, 0]
    on_axes = (np.abs(A) <= step) | (np.abs(U) <= step)
    share = {}
    for variant in glulib.VARIANTS:
        Z = geo.zero_set(geo.surfaces(variant, A, U)["product"])
        share[variant] = Z.mean()
        if variant != "reglu":
            assert np.all(on_axes[Z]), variant
    assert share["glu"] == pytest.approx(share["geglu"] / 2, rel=0.05)
    assert share["reglu"] >= 0.5


def _finishes(fn, seconds=60):
    """Run ``fn`` in a daemon thread; return (finished, result or exception). A hang fails the
    test after ``seconds`` instead of hanging the suite."""
    import threading

    box = {}

    def target():
        try:
            box["value"] = fn()
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            box["value"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive(), box.get("value")


@pytest.mark.parametrize("tol", [0.0, 1e-16, 1e-300, 5e-324])
def test_activation_minimum_refuses_a_tol_float64_cannot_reach(tol):
    done, result = _finishes(lambda: geo.activation_minimum("gelu", tol=tol))
    assert done, f"activation_minimum(tol={tol}) did not return"
    assert isinstance(result, ValueError) and "tol must be at least" in str(result), result


@pytest.mark.parametrize("activation", ["gelu", "silu"])
def test_activation_minimum_at_the_finest_tol_returns_and_agrees(activation):
    finest = 2 * float(np.spacing(6.0))
    done, result = _finishes(lambda: geo.activation_minimum(activation, tol=finest))
    assert done and not isinstance(result, Exception), result
    z, _ = result
    assert z == pytest.approx(geo.activation_minimum(activation)[0], abs=1e-11)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(tol=-1.0), ValueError, "tol must be at least"),
    (dict(tol=float("nan")), ValueError, "tol must be finite"),
    (dict(tol="small"), TypeError, "tol must be a real number"),
    (dict(lo=0.0, hi=-6.0), ValueError, "need lo < hi"),
    (dict(lo=-np.inf), ValueError, "lo must be finite"),
])
def test_activation_minimum_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        geo.activation_minimum("gelu", **kwargs)
