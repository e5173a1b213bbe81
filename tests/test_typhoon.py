"""glulib.typhoon: the story's neuron, the plain linear layer, and the gradient-descent fit."""

import math

import numpy as np
import pytest

from glulib import typhoon


def _sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def test_story_numbers_against_plain_arithmetic():
    r = typhoon.pump(typhoon.STORY["x"])
    # reference: FACTS.md, computed by hand with math
    assert r["severity"] == pytest.approx(0.6 * 5 + 0.1 * 2 + 0.3 * 3 + 0.5, abs=1e-12)
    assert r["gate_input"] == pytest.approx(0.1 * 5 + 0.5 * 2 + 0.1 * 3 - 0.3, abs=1e-12)
    assert r["gate"] == pytest.approx(_sigmoid(1.5), abs=1e-12)
    assert r["gate"] == pytest.approx(0.8175744762, abs=1e-10)
    assert r["output"] == pytest.approx(3.7608425905, abs=1e-9)


def test_augment_absorbs_the_bias():
    x1 = typhoon.augment(typhoon.STORY["x"])
    assert x1.shape == (4,) and x1[-1] == 1.0
    row = np.append(typhoon.STORY["W"], typhoon.STORY["b"])
    assert x1 @ row == pytest.approx(typhoon.pump(typhoon.STORY["x"])["severity"], abs=1e-12)
    assert typhoon.augment(np.ones((5, 3))).shape == (5, 4)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "gelu", "gelu_tanh", "silu", "identity"])
def test_batch_matches_one_storm_at_a_time(rng, activation):
    x = rng.normal(size=(7, 3)) * 3  # (7, 3)
    W, V = rng.normal(size=3), rng.normal(size=3)
    batch = typhoon.pump(x, W, 0.2, V, -0.4, activation, beta=1.7)
    for i in range(7):
        one = typhoon.pump(x[i], W, 0.2, V, -0.4, activation, beta=1.7)
        for k in one:
            assert batch[k][i] == pytest.approx(one[k], rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(batch["output"], batch["severity"] * batch["gate"], rtol=1e-12, atol=1e-12)


def test_linear_is_the_severity_branch(rng):
    x = rng.normal(size=(4, 3))
    np.testing.assert_allclose(typhoon.linear(x, typhoon.STORY["W"], typhoon.STORY["b"]),
                               typhoon.pump(x)["severity"], rtol=1e-14)


@pytest.mark.parametrize("bad, match", [
    (np.ones(4), r"pump: x must have shape \(3,\) or \(n, 3\)"),
    (np.ones((2, 2)), r"shape \(2, 2\)"),
    ([1.0, np.nan, 2.0], "must be finite"),
    ("storm", "real numbers"),
])
def test_bad_storms_get_clear_errors(bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        typhoon.pump(bad)


def test_bad_weights_and_activation():
    with pytest.raises(ValueError, match=r"W must have shape \(3,\)"):
        typhoon.pump(typhoon.STORY["x"], W=[1.0, 2.0])
    with pytest.raises(ValueError, match="unknown activation 'softmax'"):
        typhoon.pump(typhoon.STORY["x"], activation="softmax")


def _glu_loss(params, x, y):
    return float(np.mean((typhoon.pump(x, **params)["output"] - y) ** 2))


def test_fit_gradient_matches_finite_differences(rng):
    """One GD step moves each weight by -lr * gradient: compare with a central difference."""
    x = rng.uniform(-1, 2, size=(20, 3))
    y = rng.normal(size=20)
    start = {"W": np.zeros(3), "b": 0.0, "V": np.zeros(3), "c": 0.0}
    lr = 1e-3
    hist = typhoon.fit(x, y, steps=1, lr=lr, record_every=1)
    step = typhoon.snapshot(hist, "glu", 1)
    # the zero start has zero gradient for V and c (the value is 0); check W and b numerically
    eps = 1e-6
    for i in range(3):
        up = {**start, "W": start["W"] + eps * np.eye(3)[i]}
        dn = {**start, "W": start["W"] - eps * np.eye(3)[i]}
        g = (_glu_loss(up, x, y) - _glu_loss(dn, x, y)) / (2 * eps)
        assert -step["W"][i] / lr == pytest.approx(g, rel=1e-5, abs=1e-8)
    # from a non-zero point, check V and c through a second fit started by hand
    p = {"W": rng.normal(size=3), "b": 0.3, "V": rng.normal(size=3), "c": -0.2}
    value = x @ p["W"] + p["b"]
    gate = x @ p["V"] + p["c"]
    import glulib

    dvalue, dgate = glulib.glu_backward(2 * (glulib.glu(value, gate) - y) / len(y), value, gate)
    for i in range(3):
        up = {**p, "V": p["V"] + eps * np.eye(3)[i]}
        dn = {**p, "V": p["V"] - eps * np.eye(3)[i]}
        assert (x.T @ dgate)[i] == pytest.approx((_glu_loss(up, x, y) - _glu_loss(dn, x, y)) / (2 * eps), rel=1e-5)


@pytest.mark.slow
def test_fit_recovers_a_noiseless_rule(rng):
    x = rng.uniform([0, -3, 0], [8, 4, 5], size=(200, 3))
    y = typhoon.pump(x, **typhoon.TRUE)["output"]
    hist = typhoon.fit(x, y, steps=3000, lr=0.02, record_every=100)
    loss = hist["loss"]["glu"]
    assert loss[-1] < 0.01 * loss[0]
    assert np.all(np.diff(loss) <= 1e-12)  # full-batch GD with a small step never goes up here
    # the linear layer cannot follow the gate: its loss stays well above the GLU's
    assert hist["loss"]["linear"][-1] > 5 * loss[-1]
    lin = typhoon.snapshot(hist, "linear", -1)
    X1 = np.column_stack([x, np.ones(len(x))])
    best = np.linalg.lstsq(X1, y, rcond=None)[0]
    np.testing.assert_allclose(np.append(lin["W"], lin["b"]), best, atol=0.05)


def test_fit_history_shapes():
    x = np.random.default_rng(0).uniform(size=(30, 3))
    y = x.sum(axis=1)
    hist = typhoon.fit(x, y, steps=50, lr=0.01, record_every=20, x_test=x[:5], y_test=y[:5])
    assert list(hist["step"]) == [0, 20, 40, 50]
    assert hist["glu"]["W"].shape == (4, 3) and hist["glu"]["c"].shape == (4,)
    assert set(hist["loss"]) == {"glu", "linear", "glu_test", "linear_test"}


def test_fit_bad_input():
    with pytest.raises(ValueError, match=r"fit: y must have shape \(3,\)"):
        typhoon.fit(np.ones((3, 3)), np.ones(4))
    with pytest.raises(ValueError, match="lr must be positive"):
        typhoon.fit(np.ones((3, 3)), np.ones(3), lr=-1.0)
    with pytest.raises(ValueError, match="x_test and y_test together"):
        typhoon.fit(np.ones((3, 3)), np.ones(3), x_test=np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"y_test \(m,\)"):
        typhoon.fit(np.ones((3, 3)), np.ones(3), x_test=np.ones((2, 3)), y_test=np.ones(3))


@pytest.mark.parametrize("lr", [0.5, 0.1])
def test_a_diverging_fit_says_it_diverged_and_why(lr):
    data = typhoon.load_history()
    x, y = data["x"][data["train"]], data["pumped"][data["train"]]
    with pytest.raises(FloatingPointError, match=rf"fit: gradient descent diverged at step \d+ of 4000.*"
                                                 rf"lr = {lr:g} is too large"):
        typhoon.fit(x, y, steps=4000, lr=lr, record_every=40)
