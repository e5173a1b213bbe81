"""gradcheck itself: it must pass right gradients and catch wrong ones."""

import numpy as np
import pytest

import glulib


def test_catches_a_wrong_derivative(rng):
    value, gate = rng.standard_normal((2, 30))

    def forgot_the_product_rule(dout, value, gate, activation="sigmoid", beta=1.0):
        dvalue, dgate = glulib.glu_backward(dout, value, gate, activation, beta)
        return dvalue, dout * glulib.activate_grad(gate, activation)  # value factor dropped

    good = glulib.gradcheck(glulib.glu, glulib.glu_backward, value, gate)
    bad = glulib.gradcheck(glulib.glu, forgot_the_product_rule, value, gate)
    assert good["gate"] < 1e-8 and good["value"] < 1e-8
    assert bad["gate"] > 0.1 and bad["value"] < 1e-8


def test_catches_a_wrong_ffn_gradient(rng):
    params = glulib.init_ffn(3, 4, "geglu", rng, dtype=np.float64)
    x = rng.standard_normal((5, 3))

    def transposed(dy, x, params, variant):
        grads = glulib.ffn_backward(dy, x, params, variant)
        grads["V"] = grads["V"][::-1]
        return grads

    errors = glulib.gradcheck(glulib.ffn, transposed, x, params, "geglu")
    assert errors["V"] > 0.1 and errors["W"] < 1e-6


def test_single_array_gradient_and_float32_inputs(rng):
    z = rng.uniform(1, 3, 10).astype(np.float32)
    errors = glulib.gradcheck(glulib.activate, lambda dout, z, name: dout * glulib.activate_grad(z, name), z, "tanh")
    assert list(errors) == ["z"] and errors["z"] < 1e-6  # checked in float64 though z was float32


def test_max_points_samples_large_inputs(rng):
    value, gate = rng.standard_normal((2, 5000))
    calls = []

    def counting_glu(value, gate, activation="sigmoid", beta=1.0):
        calls.append(1)
        return glulib.glu(value, gate, activation, beta)

    glulib.gradcheck(counting_glu, glulib.glu_backward, value, gate, max_points=10)
    assert len(calls) == 1 + 2 * 10 * 2


def test_mismatched_backward_is_reported(rng):
    value, gate = rng.standard_normal((2, 4))
    with pytest.raises(ValueError, match=r"gradcheck: backward returned 1 gradients for 2 inputs"):
        glulib.gradcheck(glulib.glu, lambda d, v, g: (d,), value, gate)
    with pytest.raises(ValueError, match=r"gradcheck: gradient for 'gate' has shape \(3,\), input has \(4,\)"):
        glulib.gradcheck(glulib.glu, lambda d, v, g: (d, d[:3]), value, gate)
    with pytest.raises(ValueError, match=r"gradcheck: forward takes no array arguments"):
        glulib.gradcheck(lambda a: np.array([a]), lambda d, a: d, 1.0)


def _glu_backward(dout, value, gate, activation="sigmoid", beta=1.0):
    return glulib.glu_backward(dout, value, gate, activation, beta)


@pytest.mark.parametrize("eps, match", [
    (0, "eps must be a positive finite number"), (0.0, "positive finite"), (-1e-6, "positive finite"),
    (float("nan"), "positive finite"), (float("inf"), "positive finite"), (True, "positive finite"),
    ("1e-6", "positive finite"), (1e-30, r"eps = 1e-30 is below what float64 resolves at value\[\d+\]"),
])
def test_a_step_that_cannot_measure_anything_is_refused(rng, eps, match):
    value, gate = rng.uniform(0.5, 2, (2, 6))
    with pytest.raises(ValueError, match=match):
        glulib.gradcheck(glulib.glu, _glu_backward, value, gate, eps=eps)


@pytest.mark.parametrize("max_points", [0, -3, 2.5, None, True])
def test_no_points_to_check_is_refused(rng, max_points):
    value, gate = rng.standard_normal((2, 6))
    with pytest.raises(ValueError, match="max_points must be a positive integer"):
        glulib.gradcheck(glulib.glu, _glu_backward, value, gate, max_points=max_points)


def test_empty_inputs_are_refused_not_passed():
    empty = np.zeros(0)
    with pytest.raises(ValueError, match=r"gradcheck: input 'value' is empty \(shape \(0,\)\): nothing to check"):
        glulib.gradcheck(glulib.glu, _glu_backward, empty, empty)
    with pytest.raises(ValueError, match=r"input 'b' is empty"):
        glulib.gradcheck(lambda p: p["a"] * 2, lambda d, p: {"a": 2 * d, "b": d}, {"a": np.ones(2), "b": []})


def test_non_finite_forwards_and_gradients_never_pass(rng):
    value, gate = rng.uniform(1, 2, (2, 5))
    with pytest.raises(ValueError, match="forward is not finite at the given inputs"):
        glulib.gradcheck(lambda value, gate: np.full_like(value, np.inf), _glu_backward, value, gate)
    with pytest.raises(ValueError, match="non-finite values"):
        glulib.gradcheck(glulib.glu, _glu_backward, np.full(5, np.nan), gate)
    nan_grad = glulib.gradcheck(glulib.glu, lambda d, v, g: (d * np.nan, d), value, gate)
    assert nan_grad["value"] == np.inf and not nan_grad["value"] < 1e-6
    with pytest.raises(ValueError, match=r"forward is not finite at z\[0\] \+/- eps"):
        with np.errstate(invalid="ignore"):  # log of a negative number: NaN, which gradcheck must refuse
            glulib.gradcheck(lambda z: np.log(z), lambda d, z: d / z, np.array([1e-7, 1.0]), eps=1e-6)


def test_bad_callables_and_arguments_are_clear_errors(rng):
    value, gate = rng.standard_normal((2, 3))
    with pytest.raises(TypeError, match="gradcheck: backward must be callable"):
        glulib.gradcheck(glulib.glu, None, value, gate)
    with pytest.raises(TypeError, match="gradcheck: value must hold real numbers"):
        glulib.gradcheck(glulib.glu, _glu_backward, ["a", "b"], gate)
    with pytest.raises(ValueError, match=r"backward returned no gradient for \['gate'\]"):
        glulib.gradcheck(glulib.glu, lambda d, v, g: {"value": d}, value, gate)
