"""glulib.optim: AdamW against a scalar reference, and the learning-rate schedule."""

import math

import numpy as np
import pytest

from glulib import optim


def _adamw_reference(w, grads, lrs, b1=0.9, b2=0.99, eps=1e-8, wd=0.0):
    """Plain-Python AdamW on one scalar, step by step (Loshchilov & Hutter 2019, Alg. 2)."""
    m = v = 0.0
    for t, (g, lr) in enumerate(zip(grads, lrs), start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w * (1 - lr * wd) - lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
    return w


@pytest.mark.parametrize("wd", [0.0, 0.1])
def test_adamw_matches_the_scalar_reference(rng, wd):
    w0 = rng.standard_normal((3, 2))
    grads = rng.standard_normal((5, 3, 2))
    lrs = [0.1, 0.05, 0.02, 0.01, 0.3]
    params = {"W": w0.copy()}
    opt = optim.AdamW(params, weight_decay=wd)
    for g, lr in zip(grads, lrs):
        opt.step({"W": g}, lr)
    expected = np.vectorize(lambda i, j: _adamw_reference(w0[i, j], grads[:, i, j], lrs, wd=wd))(
        *np.indices(w0.shape))
    np.testing.assert_allclose(params["W"], expected, rtol=1e-12)


def test_weight_decay_only_touches_the_named_entries():
    params = {"W": np.ones(3), "g": np.ones(3)}
    opt = optim.AdamW(params, weight_decay=0.5, decay=["W"])
    opt.step({"W": np.zeros(3), "g": np.zeros(3)}, lr=0.1)
    np.testing.assert_allclose(params["W"], 0.95)
    np.testing.assert_array_equal(params["g"], 1.0)


def test_adam_minimises_a_quadratic():
    params = {"x": np.array([3.0, -2.0])}
    opt = optim.AdamW(params)
    for step in range(300):
        opt.step({"x": 2 * params["x"]}, optim.lr_at(step, 0.1, 10, 300, 0.01))
    assert np.all(np.abs(params["x"]) < 1e-2)


def test_float32_parameters_stay_float32():
    params = {"W": np.ones((2, 2), dtype=np.float32)}
    optim.AdamW(params, weight_decay=0.1).step({"W": np.ones((2, 2), dtype=np.float32)}, 1e-3)
    assert params["W"].dtype == np.float32


def test_schedule_warms_up_then_decays_to_the_final_fraction():
    lrs = [optim.lr_at(s, 1.0, 10, 100, 0.1) for s in range(101)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert all(a <= b for a, b in zip(lrs[:10], lrs[1:10]))
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:]))
    assert lrs[100] == pytest.approx(0.1)
    assert lrs[55] == pytest.approx(0.1 + 0.9 * 0.5, rel=1e-12)  # halfway through the cosine


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="warmup <= total"):
        optim.lr_at(0, 1.0, 20, 10)
    with pytest.raises(ValueError, match="beta1 must lie in"):
        optim.AdamW({"W": np.ones(2)}, beta1=1.0)
    with pytest.raises(ValueError, match="decay names"):
        optim.AdamW({"W": np.ones(2)}, decay=["V"])
    opt = optim.AdamW({"W": np.ones(2)})
    with pytest.raises(ValueError, match="missing"):
        opt.step({}, 0.1)
    with pytest.raises(ValueError, match="has shape"):
        opt.step({"W": np.ones(3)}, 0.1)


def test_bad_parameters_and_gradients_are_clear_errors():
    with pytest.raises(TypeError, match=r"AdamW: params\['W'\] must be a float32 or float64 array"):
        optim.AdamW({"W": [1.0, 2.0]})
    with pytest.raises(TypeError, match=r"params\['n'\] must be a float32 or float64 array"):
        optim.AdamW({"n": np.ones(2, dtype=np.int64)})
    opt = optim.AdamW({"W": np.ones(2)})
    with pytest.raises(ValueError, match="lr must be non-negative"):
        opt.step({"W": np.ones(2)}, -0.1)
    with pytest.raises(TypeError, match=r"grads\['W'\] must be an array"):
        opt.step({"W": [1.0, 1.0]}, 0.1)
    with pytest.raises(TypeError, match="grads must be a dict"):
        opt.step([np.ones(2)], 0.1)
    assert opt.t == 0  # nothing was half-applied
