"""Checkers of notebooks 03-05: right answers pass, typical wrong ones fail with a reason."""

import math

import numpy as np
import pytest

import glulib
from glulib import backward
from glulib.exercises import backward as ex3
from glulib.exercises import ffn as ex5
from glulib.exercises import geometry as ex4


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


def test_geometry_checkers():
    z, f = 0.5 * (-0.7517915 + -0.7517915), -0.1699712
    assert ex4.check_gelu_dip(z, f)
    assert not ex4.check_gelu_dip(-1.0, f) and not ex4.check_gelu_dip(z, 0.17)
    u = ex4.ZERO_UNIT
    assert ex4.check_zeros([-u["c"] / u["v"], -u["b"] / u["w"]])
    assert not ex4.check_zeros([-u["b"] / u["w"]]) and not ex4.check_zeros("x")
    gelu_b = ex4.GATE_BIAS * 0.5 * (1 + math.erf(ex4.GATE_BIAS / math.sqrt(2)))
    assert ex4.check_value_bias(ex4.TARGET / gelu_b)
    assert not ex4.check_value_bias(ex4.TARGET)
    a, _ = ex4.HESSIAN_POINT
    d1 = 0.5 * (1 + math.erf(a / math.sqrt(2))) + a * math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
    assert ex4.check_hessian_det(-d1 * d1)
    assert not ex4.check_hessian_det(d1 * d1)


def test_ffn_checkers():
    assert ex5.check_llama_hidden(13824)
    assert not ex5.check_llama_hidden(13653) and not ex5.check_llama_hidden(20480)

    def right(x, W, V, W2):
        a = x @ W
        return (a / (1 + np.exp(-a)) * (x @ V)) @ W2

    def swapped(x, W, V, W2):
        return right(x, V, W, W2)

    def project_first(x, W, V, W2):
        a = x @ W
        return ((a / (1 + np.exp(-a))) @ W2) * ((x @ V) @ W2)

    assert ex5.check_ffn_swiglu(right)
    assert "swapped" in ex5.check_ffn_swiglu(swapped).message
    assert not ex5.check_ffn_swiglu(project_first)
    c = ex5.MEMORY_CASE
    store = c["tokens"] * (c["d_model"] + 4 * c["d_ff"]) * 4  # store_all: x, a, u, act(a), h
    mid = c["tokens"] * (c["d_model"] + 2 * c["d_ff"]) * 4
    assert ex5.check_memory(store, mid)
    assert not ex5.check_memory(mid, mid)
