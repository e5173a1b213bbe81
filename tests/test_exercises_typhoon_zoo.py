"""Checkers of notebooks 00-02: right answers pass, each typical wrong answer fails with a reason."""

import numpy as np
import pytest

from glulib import typhoon, zoo
from glulib.exercises import reading, typhoon as ex00, zoo as ex02


def test_by_hand():
    r = typhoon.pump(ex00.BY_HAND_STORM)
    assert ex00.check_by_hand(r["severity"], r["gate_input"], r["gate"], r["output"])
    no_bias = float(ex00.BY_HAND_STORM @ typhoon.STORY["W"])
    fb = ex00.check_by_hand(no_bias, r["gate_input"], r["gate"], r["output"])
    assert not fb and "bias" in fb.message
    assert not ex00.check_by_hand(r["severity"], r["gate_input"], 0.5, r["output"])
    assert not ex00.check_by_hand(None, None, None, None)
    assert not ex00.check_by_hand(r["severity"], r["gate_input"], r["gate"], r["severity"])


def test_full_pumps():
    assert ex00.check_full_pumps(8.0, 4.0, 5.0)
    assert not ex00.check_full_pumps(5.0, 2.0, 3.0)
    fb = ex00.check_full_pumps(5.0, 9.0, 3.0)
    assert not fb and "outside" in fb.message


def test_bilinear_output():
    r = typhoon.pump(typhoon.STORY["x"], activation="identity")
    assert ex00.check_bilinear_output(r["output"])
    assert not ex00.check_bilinear_output(typhoon.pump(typhoon.STORY["x"])["output"])
    assert not ex00.check_bilinear_output("a lot")


def test_linear_column():
    s = typhoon.load_storms()
    right = typhoon.linear(s["x"], typhoon.STORY["W"], typhoon.STORY["b"])
    assert reading.check_linear_column(right)
    assert not reading.check_linear_column(typhoon.pump(s["x"])["output"])
    assert not reading.check_linear_column(right[:2])
    assert not reading.check_linear_column(right + [0, 0.5, 0])
    assert not reading.check_linear_column(None)


def test_half_open_tide():
    assert reading.check_half_open_tide(-1.0)
    assert not reading.check_half_open_tide(0.0)
    assert not reading.check_half_open_tide(None)


def test_gate_feature_with_a_given_history():
    x = np.random.default_rng(3).uniform([0, -3, 0], [8, 4, 5], size=(50, 3))
    hist = typhoon.fit(x, typhoon.pump(x, **typhoon.TRUE)["output"], steps=300, lr=0.02, record_every=100)
    assert reading.check_gate_feature("tide", hist)
    assert not reading.check_gate_feature("rainfall", hist)
    assert not reading.check_gate_feature(None, hist)


@pytest.mark.slow
def test_gate_feature_refits_notebook_01():
    assert reading.check_gate_feature("tide")
    assert not reading.check_gate_feature("wind")


def test_zoo_checkers():
    assert ex02.check_llama_variant("swiglu")
    assert not ex02.check_llama_variant("geglu") and not ex02.check_llama_variant(None)
    assert ex02.check_swish_at_zero_beta(1.0)
    assert not ex02.check_swish_at_zero_beta(2.0) and not ex02.check_swish_at_zero_beta(None)
    assert ex02.check_gated_branch("Hugging Face LlamaMLP", "gate_proj")
    fb = ex02.check_gated_branch("Hugging Face LlamaMLP", "up_proj")
    assert not fb and "linear branch" in fb.message
    assert ex02.check_gated_branch("Dauphin et al. 2016", "V")
    assert not ex02.check_gated_branch("Dauphin et al. 2016", "W")
    assert not ex02.check_gated_branch("no such source", "W")
    rng = np.random.default_rng(1)
    W_d, V_d = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    assert ex02.check_letters_swap(V_d, W_d, W_d, V_d)
    assert not ex02.check_letters_swap(W_d, V_d, W_d, V_d)
    assert not ex02.check_letters_swap(None, None, W_d, V_d)
    assert zoo.CONVENTIONS
