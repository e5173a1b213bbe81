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
