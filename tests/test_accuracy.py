"""Accuracy of both kernel families, counted in units in the last place (ulp).

float32 (the fast path, ``glulib.fast``): every result within 4 ulp of the float64 reading
path (``glulib.core``) rounded to float32 wherever
that reference is at least 1e-20 in magnitude, and within 1e-20 absolute below it; for
activate, activate_grad, glu and glu_backward, over a sweep that includes the extremes
(+-1000, the largest floats, tiny and subnormal numbers, +-0, +-inf and NaN).

float64 (the reading path): against the independent ``math``-based reference
``tests/reference.py``, within

    |got - ref| <= 16 eps (|ref| + |z ref'(z)|) + 1e-300,    eps = 2^-52,

that is: the exact value at an input within 16 eps of z, itself rounded within 16 eps.
The ``z ref'`` term is what an exact function does with a rounding of its input (near
a zero of silu', gelu' or gelu_tanh' the sum of two terms cancels, and the largest
term, not the result, sets the size of the error; in the far tail of gelu, exp(-z^2/2)
turns an input rounding into a relative error of z^2 eps). 16 eps covers the few
roundings of each formula plus the reference's own. 1e-300 covers results below 2^-1021.

Where the float64 reference itself is not accurate to a float32 ulp (only right at the
zeros of the derivatives, where |ref| < 2^24 times its own rounding error), the float32
check uses the float64 bound above instead; ``test_float32_holds_4_ulp_almost_everywhere``
counts those points so that the exception cannot grow unnoticed.
"""

import math
import warnings

import numpy as np
import pytest

import glulib
from reference import act_reference


def reading_path(z, name, beta=1.0):
    """(act(z), act'(z)) from glulib's float64 reading path: the fast path's reference."""
    z = np.asarray(z, np.float64)
    return glulib.activate(z, name, beta), glulib.activate_grad(z, name, beta)

EPS64 = 2.0**-52
TINY = 1e-20
ULP_MAX = 4
GATED = ("sigmoid", "identity", "relu", "gelu", "silu", "gelu_tanh", "tanh")

SPECIAL = np.array(
    [0.0, -0.0, np.inf, -np.inf, np.nan, 1000.0, -1000.0, 3.4e38, -3.4e38, 1e30, -1e30,
     1e-30, -1e-30, 1e-40, -1e-40, 1.4e-45, -1.4e-45, 88.0, -88.0, 104.0, -104.0],
)


def sweep(n):
    """Float32 inputs: a uniform grid on [-30, 30], a log grid over the whole float32 range
    (both signs, subnormals included), the special values, and the float32 numbers next
    to each zero of the derivatives."""
    logs = np.logspace(-45, 38.5, n // 2)
    z = np.concatenate([np.linspace(-30, 30, n), logs, -logs, SPECIAL, near_zeros_of_derivatives(64)])
    return z.astype(np.float32)


def _root(fn, lo, hi):
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if (fn(mid) > 0) == (fn(lo) > 0):
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def near_zeros_of_derivatives(k):
    """The k float32 numbers either side of each zero of silu', gelu' and gelu_tanh'."""
    out = []
    for name in ("silu", "gelu", "gelu_tanh"):
        r = np.float32(_root(lambda x: act_reference(x, name)[1], -2.0, -0.5))
        steps = np.arange(-k, k + 1)
        out.append(r + steps.astype(np.float32) * np.spacing(r))
    return np.concatenate(out)


def ulp_distance(a, b):
    """How many float32 numbers lie between a and b (0 when equal; +-0 count as equal)."""
    ia = np.asarray(a, np.float32).view(np.int32).astype(np.int64)
    ib = np.asarray(b, np.float32).view(np.int32).astype(np.int64)
    ia = np.where(ia < 0, -(ia & 0x7FFFFFFF), ia)  # map the sign-magnitude bits to a line
    ib = np.where(ib < 0, -(ib & 0x7FFFFFFF), ib)
    return np.abs(ia - ib)


def z_times_slope(fn, z):
    """|z ref'(z)| by a central difference of the reference (a tolerance scale, not a test)."""
    h = 1e-6
    with np.errstate(all="ignore"):
        up, down = fn(z * (1 + h)), fn(z * (1 - h))
        s = np.abs(up - down) / (2 * h)
    return np.where(np.isfinite(s), s, 0.0)


def f64_bound(ref, fn, z):
    with np.errstate(all="ignore"):
        return 16 * EPS64 * (np.abs(ref) + z_times_slope(fn, z)) + 1e-300


def check32(got, ref, bound64):
    """Indices where float32 ``got`` breaks the rule against the float64 ``ref``; and how
    many points used the float64 bound because the reference is not good to 1 ulp there."""
    got = np.asarray(got, np.float32)
    nan_ok = np.isnan(got) == np.isnan(ref)
    both = ~np.isnan(ref) & ~np.isnan(got)
    with np.errstate(all="ignore"):
        err = np.abs(got.astype(np.float64) - ref)
        ulps = ulp_distance(got, ref.astype(np.float32))
        ref_ulp = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    untrusted = bound64 > ref_ulp
    same_inf = np.isinf(ref) & (got == ref)
    small = np.abs(ref) < TINY
    ok = np.where(small, err <= TINY, (ulps <= ULP_MAX) | same_inf | (untrusted & (err <= bound64 + ref_ulp)))
    bad = ~nan_ok | (both & ~ok)
    return np.flatnonzero(bad), int(np.sum(both & untrusted & ~small))


def _explain(z, got, ref, bad):
    i = bad[:5]
    return f"z={z[i]}, got={np.asarray(got)[i]}, ref={ref[i]}"


def _fn(name, beta, which, reference=reading_path):
    return lambda x: reference(x, name, beta)[which]


@pytest.mark.parametrize("name", glulib.ACTIVATIONS)
@pytest.mark.parametrize("beta", [1.0, 1.702])
def test_float32_activate_and_grad_within_4_ulp(name, beta):
    z = sweep(1500)
    f, df = reading_path(z, name, beta)
    for which, got, ref in ((0, glulib.activate(z, name, beta), f), (1, glulib.activate_grad(z, name, beta), df)):
        bad, _ = check32(got, ref, f64_bound(ref, _fn(name, beta, which), z.astype(np.float64)))
        assert bad.size == 0, f"{name}{'' if which == 0 else ' grad'}: " + _explain(z, got, ref, bad)


@pytest.mark.parametrize("name", GATED)
def test_float32_glu_and_backward_within_4_ulp(name, rng):
    gate = sweep(1000)
    n = gate.size
    # |value|, |dout| < 1: no product overflows float32 (under NUMBA_DISABLE_JIT an overflow
    # in a float32 store is a NumPy RuntimeWarning, which this suite treats as an error)
    value = rng.uniform(-1, 1, n).astype(np.float32)
    dout = rng.uniform(-1, 1, n).astype(np.float32)
    value[:8], dout[:8] = 1e30, -1e-30  # large and tiny factors too
    f, df = reading_path(gate, name)
    g64, v64, d64 = gate.astype(np.float64), value.astype(np.float64), dout.astype(np.float64)
    with np.errstate(all="ignore"):
        out_ref, dv_ref, dg_ref = v64 * f, d64 * f, d64 * (v64 * df)
        bounds = (
            np.abs(v64) * f64_bound(f, _fn(name, 1.0, 0), g64),
            np.abs(d64) * f64_bound(f, _fn(name, 1.0, 0), g64),
            np.abs(d64 * v64) * f64_bound(df, _fn(name, 1.0, 1), g64),
        )
    out = glulib.glu(value, gate, name)
    dvalue, dgate = glulib.glu_backward(dout, value, gate, name)
    for label, got, ref, b in zip(("glu", "dvalue", "dgate"), (out, dvalue, dgate), (out_ref, dv_ref, dg_ref), bounds):
        bad, _ = check32(got, ref, b)
        assert bad.size == 0, f"{name} {label}: " + _explain(gate, got, ref, bad)


@pytest.mark.parametrize("name", glulib.ACTIVATIONS)
@pytest.mark.parametrize("beta", [1.0, 0.5])
def test_float64_within_justified_bound(name, beta):
    z = np.concatenate([np.linspace(-40, 40, 3001), np.logspace(-320, 308, 400), -np.logspace(-320, 308, 400),
                        SPECIAL, near_zeros_of_derivatives(16).astype(np.float64)])
    f, df = act_reference(z, name, beta)
    for which, got, ref in ((0, glulib.activate(z, name, beta), f), (1, glulib.activate_grad(z, name, beta), df)):
        with np.errstate(all="ignore"):
            err = np.abs(got - ref)
        bound = f64_bound(ref, _fn(name, beta, which, act_reference), z)
        ok = (np.isnan(got) == np.isnan(ref)) & ((err <= bound) | (got == ref) | np.isnan(ref))
        assert ok.all(), f"{name}{'' if which == 0 else ' grad'}: " + _explain(z, got, ref, np.flatnonzero(~ok))


@pytest.mark.slow
@pytest.mark.parametrize("name", glulib.ACTIVATIONS)
def test_float32_dense_sweep_within_4_ulp(name):
    """Every 2^-12 on [-30, 30] and 20,000 points per sign on the log grid."""
    z = np.concatenate([np.arange(-30, 30, 2.0**-12, dtype=np.float32), sweep(40000)])
    f, df = reading_path(z, name)
    for which, got, ref in ((0, glulib.activate(z, name), f), (1, glulib.activate_grad(z, name), df)):
        bad, _ = check32(got, ref, f64_bound(ref, _fn(name, 1.0, which), z.astype(np.float64)))
        assert bad.size == 0, f"{name}: " + _explain(z, got, ref, bad)


def test_float32_holds_4_ulp_almost_everywhere():
    """The float64 fallback is only used next to the zeros of the derivatives."""
    z = sweep(1500)
    for name in glulib.ACTIVATIONS:
        for which in (0, 1):
            ref = reading_path(z, name)[which]
            _, untrusted = check32(ref.astype(np.float32), ref, f64_bound(ref, _fn(name, 1.0, which), z.astype(np.float64)))
            limit = 3 * 20 if (which == 1 and name in ("silu", "gelu", "gelu_tanh")) else 0
            assert untrusted <= limit, f"{name} {which}: {untrusted} points rely on the float64 bound"


def test_ulp_distance_counts_neighbours():
    one = np.float32(1.0)
    assert ulp_distance(one, np.nextafter(one, np.float32(2))) == 1
    assert ulp_distance(np.float32(-0.0), np.float32(0.0)) == 0
    assert ulp_distance(np.float32(1.4e-45), np.float32(-1.4e-45)) == 2


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_limits_and_nan_without_warnings(dtype):
    z = np.array([-np.inf, -1000.0, -50.0, 0.0, 50.0, 1000.0, np.inf, np.nan], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = {name: (glulib.activate(z, name), glulib.activate_grad(z, name)) for name in glulib.ACTIVATIONS}
    sig, dsig = got["sigmoid"]
    np.testing.assert_array_equal(sig[[0, 1, 5, 6]], [0, 0, 1, 1])
    np.testing.assert_array_equal(dsig[[0, 1, 5, 6]], [0, 0, 0, 0])
    for name in ("silu", "gelu", "gelu_tanh", "relu"):
        f, df = got[name]
        np.testing.assert_array_equal(f[[0, 1, 5, 6]], [0, 0, 1000, np.inf])
        np.testing.assert_array_equal(df[[0, 1, 5, 6]], [0, 0, 1, 1])
    t, dt = got["tanh"]
    np.testing.assert_array_equal(t[[0, 1, 5, 6]], [-1, -1, 1, 1])
    np.testing.assert_array_equal(dt[[0, 1, 5, 6]], [0, 0, 0, 0])
    for name, (f, df) in got.items():
        assert np.isnan(f[-1]) and np.isnan(df[-1]), name
        assert not np.isnan(f[:-1]).any() and not np.isnan(df[:-1]).any(), name


@pytest.mark.parametrize("name", GATED)
def test_glu_nan_only_where_it_came_in(name):
    gate = np.array([1.0, np.nan, -1000.0, 1000.0, np.inf, -np.inf], dtype=np.float32)
    value = np.array([2.0, 2.0, np.nan, 2.0, 2.0, 2.0], dtype=np.float32)
    out = glulib.glu(value, gate, name)
    dvalue, dgate = glulib.glu_backward(np.ones_like(value), value, gate, name)
    assert np.isnan(out[1]) and np.isnan(out[2])
    assert np.isnan(dgate[1]) and np.isnan(dgate[2]) and np.isnan(dvalue[1])
    if name != "identity":  # identity(+-inf) times 2 is +-inf, and its derivative 1 is fine
        assert not np.isnan(out[[0, 3]]).any()
    assert not np.isnan(dvalue[[0, 2, 3]]).any()


def test_float32_swish_limits_with_a_negative_beta_match_float64():
    """Swish with beta < 0 tends to 0 at +inf and to -inf at -inf, in both dtypes (not NaN
    from inf * 0, nor the largest float32 for -inf)."""
    z = np.array([np.inf, -np.inf, 1e30, -1e30, 3.0], np.float32)
    for beta in (-1.0, -0.5):
        f64, df64 = glulib.activate(z.astype(np.float64), "silu", beta), glulib.activate_grad(z.astype(np.float64), "silu", beta)
        f32, df32 = glulib.activate(z, "silu", beta), glulib.activate_grad(z, "silu", beta)
        np.testing.assert_array_equal(f64[:2], [0.0, -np.inf])
        np.testing.assert_array_equal(f32[:2], [0.0, -np.inf])
        np.testing.assert_array_equal(df32[:2], df64[:2])
        out = glulib.glu(np.full(5, 2.0, np.float32), z, "silu", beta)
        np.testing.assert_array_equal(out[:2], [0.0, -np.inf])
        dvalue, dgate = glulib.glu_backward(np.ones(5, np.float32), np.ones(5, np.float32), z, "silu", beta)
        np.testing.assert_array_equal(dvalue[:2], [0.0, -np.inf])
        assert not np.isnan(dgate).any()


def test_sigmoid_exp_is_not_a_library_call():
    """The fast path's polynomial exp agrees with math.exp to 2 ulp on [-708, 0] (float64)."""
    from glulib.fast.vecmath import exp_nonpos

    for x in np.linspace(-708, 0, 301):
        e = exp_nonpos(float(x))
        assert abs(e - math.exp(x)) <= 2 * math.ulp(math.exp(x)), x
