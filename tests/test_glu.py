"""glu and glu_backward: the fused kernels against NumPy references, over shapes and dtypes."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import glulib
from reference import glu_backward_ref, glu_ref

NAMES = glulib.ACTIVATIONS


def test_typhoon_pump_worked_example():
    x = np.array([5.0, 2.0, 3.0, 1.0])  # rainfall, tide, wind, and the 1 that absorbs the bias
    severity_weights = np.array([0.6, 0.1, 0.3, 0.5])
    gate_weights = np.array([0.1, 0.5, 0.1, -0.3])
    value, gate = x @ severity_weights, x @ gate_weights
    assert value == pytest.approx(4.6, abs=1e-12) and gate == pytest.approx(1.5, abs=1e-12)
    assert float(glulib.activate(gate, "sigmoid")) == pytest.approx(0.8175744762, abs=1e-10)
    assert float(glulib.glu(value, gate)) == pytest.approx(3.7608425905, abs=1e-10)


def test_a_learner_can_type_integers_and_lists():
    out = glulib.glu(np.array([5, 2, 3]), [0, 0, 0])
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [2.5, 1.0, 1.5])


def test_scalars_give_a_scalar():
    out = glulib.glu(4.6, 1.5)
    assert np.ndim(out) == 0 and isinstance(out, np.float64)


@pytest.mark.parametrize("activation", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1,), (7,), (3, 5), (2, 3, 4), (1000, 17)])
def test_forward_and_backward_match_reference(activation, dtype, shape, rng):
    value = rng.standard_normal(shape).astype(dtype)
    gate = (3 * rng.standard_normal(shape)).astype(dtype)
    dout = rng.standard_normal(shape).astype(dtype)
    out = glulib.glu(value, gate, activation, beta=1.3)
    dvalue, dgate = glulib.glu_backward(dout, value, gate, activation, beta=1.3)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    for got, want in zip((out, dvalue, dgate),
                         (glu_ref(value, gate, activation, 1.3), *glu_backward_ref(dout, value, gate, activation, 1.3))):
        assert got.shape == shape and got.dtype == dtype
        np.testing.assert_allclose(got, want, **tol)


@pytest.mark.parametrize("activation", NAMES)
def test_backward_matches_finite_differences(activation, rng):
    value = rng.standard_normal(40)
    gate = rng.uniform(-4, 4, 40)
    gate[np.abs(gate) < 1e-3] = 0.5  # ReLU's kink
    err = glulib.gradcheck(glulib.glu, glulib.glu_backward, value, gate, activation=activation, beta=0.8)
    assert err["value"] < 1e-6 and err["gate"] < 1e-6


def test_non_contiguous_input(rng):
    big = rng.standard_normal((20, 30))
    value, gate = big[::2, ::3], big.T[::3, ::2]  # strided views, one transposed
    np.testing.assert_allclose(glulib.glu(value, gate, "silu"), glu_ref(value, gate, "silu"), rtol=1e-12)
    dv, dg = glulib.glu_backward(np.ones_like(value), value, gate, "silu")
    want = glu_backward_ref(np.ones_like(value), value, gate, "silu")
    np.testing.assert_allclose(dv, want[0], rtol=1e-12)
    np.testing.assert_allclose(dg, want[1], rtol=1e-12)


def test_mixed_dtypes_follow_numpy_promotion(rng):
    v32 = rng.standard_normal(5).astype(np.float32)
    g64 = rng.standard_normal(5)
    assert glulib.glu(v32, g64).dtype == np.float64
    assert glulib.glu(v32, v32).dtype == np.float32
    assert glulib.glu(v32, np.arange(5)).dtype == np.float64


@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 0, 2)])
def test_empty_in_empty_out(shape):
    empty = np.zeros(shape, dtype=np.float32)
    assert glulib.glu(empty, empty).shape == shape
    dv, dg = glulib.glu_backward(empty, empty, empty)
    assert dv.shape == dg.shape == shape and dv.dtype == np.float32


def test_inputs_are_not_modified(rng):
    value, gate, dout = rng.standard_normal((3, 8))
    copies = value.copy(), gate.copy(), dout.copy()
    glulib.glu(value, gate, "gelu")
    glulib.glu_backward(dout, value, gate, "gelu")
    for a, b in zip((value, gate, dout), copies):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("activation", NAMES)
def test_nan_only_poisons_its_own_position(activation):
    value = np.array([1.0, 2.0, np.nan, 3.0])
    gate = np.array([0.5, np.nan, 1.0, -1.0])
    out = glulib.glu(value, gate, activation)
    dv, dg = glulib.glu_backward(np.ones(4), value, gate, activation)
    assert np.isnan(out[[1, 2]]).all() and np.isfinite(out[[0, 3]]).all()
    assert np.isnan(dg[[1, 2]]).all() and np.isfinite(dg[[0, 3]]).all()
    assert np.isnan(dv[1]) and np.isfinite(dv[[0, 2, 3]]).all()


def test_extreme_gates_without_warnings():
    gate = np.array([-1000.0, -80.0, 80.0, 1000.0])
    value = np.full(4, 2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for activation in NAMES:
            out = glulib.glu(value, gate, activation)
            dv, dg = glulib.glu_backward(np.ones(4), value, gate, activation)
            assert np.isfinite(out).all() and np.isfinite(dv).all() and np.isfinite(dg).all(), activation


arrays = hnp.arrays(
    dtype=st.sampled_from([np.float32, np.float64]),
    shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=9),
    elements=st.floats(-30, 30, width=32),
)


@settings(max_examples=60, deadline=None)
@given(value=arrays, activation=st.sampled_from(NAMES), data=st.data())
def test_property_any_shape_matches_reference(value, activation, data):
    gate = data.draw(hnp.arrays(value.dtype, value.shape, elements=st.floats(-30, 30, width=32)))
    step = data.draw(st.sampled_from([1, 2]))  # strided views too
    value, gate = value[..., ::step], gate[..., ::step]
    out = glulib.glu(value, gate, activation)
    dv, dg = glulib.glu_backward(value, value, gate, activation)
    tol = dict(rtol=2e-5, atol=1e-5) if value.dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out, glu_ref(value, gate, activation), **tol)
    want_dv, want_dg = glu_backward_ref(value, value, gate, activation)
    np.testing.assert_allclose(dv, want_dv, **tol)
    np.testing.assert_allclose(dg, want_dg, **tol)
