"""Premises of notebook 01's prose, checked against the numbers they rest on."""

import numpy as np
import pytest

import glulib
from glulib import typhoon


def test_proportional_without_the_bias_affine_with_it():
    """'Without the bias the description is exact ... with it f(2x) = 2 f(x) - b.'"""
    W, b = typhoon.STORY["W"], typhoon.STORY["b"]
    x = typhoon.load_storms()["x"][0]
    assert typhoon.linear(2 * x, W, 0.0) == pytest.approx(2 * typhoon.linear(x, W, 0.0), rel=1e-12)
    assert typhoon.linear(2 * x, W, b) == pytest.approx(2 * typhoon.linear(x, W, b) - b, rel=1e-12)
    twice_the_rain = x * np.array([2.0, 1.0, 1.0])
    assert typhoon.linear(twice_the_rain, W, 0.0) != pytest.approx(2 * typhoon.linear(x, W, 0.0))


@pytest.mark.parametrize("act", sorted(set(glulib.VARIANTS.values())))
def test_from_zero_weights_no_gate_row_moves_first(act):
    """'With every value zero, the gate row's gradient is zero whatever the activation'; with
    act(0) = 0 the severity row's is zero too."""
    x = typhoon.load_history()["x"][:16]  # (16, 3)
    value, gate = x @ np.zeros(3), x @ np.zeros(3)  # (16,) each, zero weights and biases
    dout = np.linspace(-1.0, 1.0, 16)  # (16,)
    dvalue, dgate = glulib.glu_backward(dout, value, gate, act)
    assert np.all(x.T @ dgate == 0)
    opening_at_0 = glulib.activate(np.zeros(1), act)[0]
    assert np.all(x.T @ dvalue == 0) == (opening_at_0 == 0)
