"""The measurement helpers of notebooks 08 and 09 count and compute what they claim (their
exercise checkers: tests/test_exercises_kernels.py)."""

import numpy as np
import pytest

import glulib
from glulib import kernelstudy as ks
from reference import act_reference


def test_count_traffic_counts_reads_writes_and_temporaries():
    a = np.ones(100, np.float32)
    b = np.ones(100, np.float32)
    t = ks.count_traffic(lambda x, y: x * y + x, a, b)  # two ufuncs, one temporary
    assert t == {"read": 4 * 400, "written": 2 * 400, "calls": 2}


def test_numpy_compositions_match_the_reference(rng):
    z = rng.standard_normal(200)
    d, v = rng.standard_normal((2, 200))
    for name in ("sigmoid", "silu", "gelu", "relu", "identity", "tanh", "gelu_tanh"):
        f, df = act_reference(z, name)
        got_f, got_df = ks.numpy_act(z, name)
        tol = 1e-6 if name == "gelu" else 1e-12  # A&S 7.1.26 erf in the NumPy version
        np.testing.assert_allclose(got_f, f, atol=tol)
        np.testing.assert_allclose(got_df, df, atol=tol)
        dv, dg = ks.numpy_glu_backward(d, v, z, name)
        np.testing.assert_allclose(dg, d * v * df, atol=tol * 10)
        np.testing.assert_allclose(ks.numpy_forward_act(z, name), f, atol=tol)
        np.testing.assert_allclose(ks.numpy_glu(v, z, name), v * f, atol=tol * 10)


def test_the_numpy_forward_computes_no_derivative():
    """Notebook 08: a plain SwiGLU forward in NumPy is 6 operations moving 14 arrays' worth of
    bytes (exp, then 1 +, 1 /, z *, value *, and the negation); act' would add more."""
    v, g = np.ones((2, 1000))
    t = ks.count_traffic(lambda v, g: ks.numpy_glu(v, g, "silu"), v, g)
    assert t["calls"] == 6 and (t["read"] + t["written"]) / v.nbytes == 14


@pytest.mark.parametrize("name", ["sigmoid", "silu", "relu", "identity"])
def test_numpy_inplace_matches_glulib(name, rng):
    d, v, g = rng.standard_normal((3, 64))
    fwd, fwd_bwd = ks.numpy_inplace(64, np.float64, name)
    out, dv, dg = (a.copy() for a in fwd_bwd(d, v, g))
    np.testing.assert_allclose(out, glulib.glu(v, g, name), rtol=1e-12)
    ref_dv, ref_dg = glulib.glu_backward(d, v, g, name)
    np.testing.assert_allclose(dv, ref_dv, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dg, ref_dg, rtol=1e-12, atol=1e-15)


def test_fused_traffic():
    assert ks.fused_traffic(10, np.float32, backward=False) == 3 * 10 * 4
    assert ks.fused_traffic(10, np.float64, backward=True) == 8 * 10 * 8


def test_ulp_error_and_sweeps():
    one = np.float32(1)
    assert ks.ulp_error(np.nextafter(one, np.float32(2)), 1.0) == 1
    assert ks.ulp_error(np.float32(-0.0), 0.0) == 0
    z, ulps = ks.ulp_sweep("sigmoid", z=np.linspace(-5, 5, 101))
    assert z.shape == ulps.shape == (101,) and ulps.max() <= 4


def test_interleaved_returns_a_median_per_candidate():
    calls = []
    t = ks.interleaved({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, repeats=3, warmup=1)
    assert set(t) == {"a", "b"} and all(v >= 0 for v in t.values())
    assert calls == ["a", "b"] + ["a", "b"] * 3
