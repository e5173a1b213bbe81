"""Checkers of notebook 03 (the backward pass): right answers pass, typical wrong ones fail with a
reason."""

import math

import numpy as np
import pytest

import glulib
from glulib import backward
from glulib.exercises import backward as ex3


@pytest.mark.parametrize("variant", list(glulib.VARIANTS))
def test_backward_right_and_broken(variant):
    act = glulib.VARIANTS[variant]
    assert ex3.check_backward(variant, lambda d, v, g: glulib.glu_backward(d, v, g, act))
    broken = ex3.check_backward(variant, lambda d, v, g: (glulib.glu_backward(d, v, g, act)[0], 0 * g))
    assert not broken and "dgate" in broken.message
    swapped = ex3.check_backward(variant, lambda d, v, g: glulib.glu_backward(d, v, g, act)[::-1])
    assert not swapped
    assert not ex3.check_backward(variant, lambda d, v, g: 1 / 0)


def test_dauphin():
    s = 0.5  # sigmoid(0)
    assert ex3.check_dauphin(s, (1 - math.tanh(2) ** 2) * s)
    assert not ex3.check_dauphin(s, s)
    assert not ex3.check_dauphin(0.25, 0.1)


def test_gain_prediction():
    g, L = ex3.PREDICT_GAIN, ex3.GAIN_TASK["depth"]
    assert ex3.check_gain_prediction((g / 2) ** L)
    at_one = ex3.check_gain_prediction(0.5 ** L)
    assert not at_one and "gain 1" in at_one.message
    assert not ex3.check_gain_prediction(g ** L) and not ex3.check_gain_prediction(-1.0)


def test_glu_gain():
    t = ex3.GAIN_TASK
    sweep = backward.gain_sweep(t["unit"], [1.0, 1.8, 2.0], t["mode"], t["depth"], t["width"], t["batch"], t["seeds"])
    med = np.median(sweep, axis=1)
    assert med[0] < ex3.LOW and ex3.LOW <= med[1] <= ex3.HIGH and med[2] > ex3.HIGH
    assert ex3.check_glu_gain(1.8)
    assert "vanishes" in ex3.check_glu_gain(1.0).message
    assert "explodes" in ex3.check_glu_gain(2.0).message
    assert not ex3.check_glu_gain(0.0) and not ex3.check_glu_gain(None)
