"""Activations and their derivatives against float64 references built from math.exp/erf
(tests/reference.py), the dispatch table from names to kernel codes, and the source the
notebooks print."""

import math
import warnings

import numpy as np
import pytest

import glulib
from glulib import codes, core
from glulib import kernelstudy as ks
from reference import act_reference as reference

SWEEP = np.concatenate([np.linspace(-12, 12, 2401), [-40.0, -20.0, 20.0, 40.0]])


def test_names():
    assert glulib.ACTIVATIONS == ("sigmoid", "tanh", "relu", "gelu", "gelu_tanh", "silu", "identity")


def test_reference_agrees_with_closed_forms():
    z = np.array([-3.0, -0.5, 0.0, 0.7, 2.5])
    f, df = reference(z, "gelu")
    phi = np.array([0.5 * (1 + math.erf(x / math.sqrt(2))) for x in z])
    np.testing.assert_allclose(f, z * phi, rtol=1e-15)
    f, _ = reference(z, "silu", beta=2.0)
    np.testing.assert_allclose(f, z / (1 + np.exp(-2.0 * z)), rtol=1e-14)
    f, df = reference(z, "tanh")
    np.testing.assert_allclose(df, 1 / np.cosh(z) ** 2, rtol=1e-13)


@pytest.mark.parametrize("name", glulib.ACTIVATIONS)
@pytest.mark.parametrize("beta", [1.0, 0.5, 1.702])
def test_float64_matches_reference(name, beta):
    # 1e-10 leaves room for vectorised polynomial exp/erf (tests/test_accuracy.py counts ulps)
    f, df = reference(SWEEP, name, beta)
    np.testing.assert_allclose(glulib.activate(SWEEP, name, beta), f, rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(glulib.activate_grad(SWEEP, name, beta), df, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("name", glulib.ACTIVATIONS)
def test_float32_within_1e_5_of_float64(name):
    z32 = SWEEP.astype(np.float32)
    f, df = reference(z32.astype(np.float64), name)
    out = glulib.activate(z32, name)
    grad = glulib.activate_grad(z32, name)
    assert out.dtype == np.float32 and grad.dtype == np.float32
    np.testing.assert_allclose(out, f, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grad, df, rtol=1e-5, atol=1e-5)


def _activation_backward(dout, z, name, beta=1.0):
    return dout * glulib.activate_grad(z, name, beta)


@pytest.mark.parametrize("name", glulib.ACTIVATIONS)
def test_derivative_matches_finite_differences(name, rng):
    z = rng.uniform(-4, 4, size=64)
    z = z[np.abs(z) > 1e-3]  # keep away from ReLU's kink
    err = glulib.gradcheck(glulib.activate, _activation_backward, z, name, beta=1.3)
    assert err["z"] < 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_extremes_without_overflow_warning(dtype):
    z = np.array([-1000.0, -100.0, 0.0, 100.0, 1000.0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = glulib.activate(z, "sigmoid")
        ds = glulib.activate_grad(z, "sigmoid")
    np.testing.assert_array_equal(s[[0, 2, 4]], np.array([0.0, 0.5, 1.0], dtype=dtype))
    assert np.all(np.isfinite(ds)) and ds[0] == 0 and ds[-1] == 0


@pytest.mark.parametrize("name", ["silu", "gelu", "gelu_tanh", "relu"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_inputs_tend_to_identity_and_zero(name, dtype):
    big = np.array([1e4, 1e30], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(glulib.activate(big, name), big, rtol=1e-6)
        np.testing.assert_allclose(glulib.activate(-big, name), 0.0, atol=1e-30)
        np.testing.assert_allclose(glulib.activate_grad(big, name), 1.0, rtol=1e-6)
        np.testing.assert_allclose(glulib.activate_grad(-big, name), 0.0, atol=1e-30)


@pytest.mark.parametrize("name", glulib.ACTIVATIONS)
def test_nan_stays_where_it_came_in(name):
    z = np.array([1.0, np.nan, -2.0, 0.5])
    for fn in (glulib.activate, glulib.activate_grad):
        out = fn(z, name)
        assert np.isnan(out[1]), fn.__name__
        assert np.all(np.isfinite(out[[0, 2, 3]])), fn.__name__


def test_silu_beta_moves_between_linear_and_relu():
    z = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(glulib.activate(z, "silu", beta=1e-8), z / 2, atol=1e-7)
    np.testing.assert_allclose(glulib.activate(z, "silu", beta=60.0), np.maximum(z, 0), atol=1e-6)


def test_gelu_tanh_form_close_to_exact():
    z = np.linspace(-6, 6, 12001)
    err = np.max(np.abs(glulib.activate(z, "gelu_tanh") - glulib.activate(z, "gelu")))
    assert 4e-4 < err < 5e-4  # FACTS.md: max abs error 4.7e-4 on [-6, 6]


def test_the_code_table_names_distinct_constants():
    assert glulib.ACTIVATIONS == tuple(codes.CODES)
    assert len(set(codes.CODES.values())) == len(codes.CODES)
    for name, code in codes.CODES.items():
        assert getattr(codes, name.upper()) == code  # each code is the constant of its name


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", glulib.ACTIVATIONS)
def test_each_name_runs_its_own_activation(name, dtype):
    """Each name's output is its own function's (the independent reference) and no other's,
    through every public entry point, in both kernel families."""
    z = np.linspace(-3, 3, 61).astype(dtype)
    ref = {n: reference(z.astype(np.float64), n) for n in glulib.ACTIVATIONS}
    x = np.ones_like(z)
    got = {
        "activate": glulib.activate(z, name),
        "activate_grad": glulib.activate_grad(z, name),
        "glu": glulib.glu(x, z, name),
        "glu_backward dvalue": glulib.glu_backward(x, x, z, name)[0],
        "glu_backward dgate": glulib.glu_backward(x, x, z, name)[1],
    }
    tol = 1e-6 if dtype == np.float32 else 1e-12
    for label, out in got.items():
        which = 1 if label in ("activate_grad", "glu_backward dgate") else 0
        np.testing.assert_allclose(out, ref[name][which], rtol=tol, atol=tol, err_msg=f"{name} {label}")
        for other in glulib.ACTIVATIONS:
            if other != name:
                assert np.max(np.abs(out - ref[other][which])) > 100 * tol, f"{name} {label} looks like {other}"


@pytest.mark.parametrize("name", glulib.ACTIVATIONS)
def test_core_functions_are_the_scalar_activations(name):
    """core's scalar functions, called one by one, give what the arrays give."""
    z = np.linspace(-4, 4, 9)
    scalar = getattr(core, name)
    pairs = np.array([scalar(float(x), 1.0) for x in z])  # (9, 2)
    np.testing.assert_array_equal(pairs[:, 0], glulib.activate(z, name))
    np.testing.assert_array_equal(pairs[:, 1], glulib.activate_grad(z, name))
    code = codes.CODES[name]
    assert core.activation(code, 0.5, 1.0) == scalar(0.5, 1.0)


@pytest.mark.parametrize("name", ["forward", "backward", *glulib.ACTIVATIONS])
def test_source_of_prints_the_code_that_runs(name):
    src64, src32 = ks.source_of(name), ks.source_of(name, np.float32)
    if name in glulib.ACTIVATIONS:
        assert f"def {name}(z, beta)" in src64
        assert f"def {name}32(z, beta)" in src32 and f"def {name}32_and_grad(z, beta)" in src32
    else:
        assert f"def {name}_loop(" in src64 and f"def {name}_chunk(" in src32
    with pytest.raises(ValueError, match="source_of: unknown name 'softplus'"):
        ks.source_of("softplus")
