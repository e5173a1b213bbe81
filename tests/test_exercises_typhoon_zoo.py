"""Checkers of notebooks 00-02: right answers pass, each typical wrong answer fails with a reason."""

import numpy as np
import pytest

import glulib
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


def test_rain_slope_is_both_terms_of_the_product_rule():
    x = reading.RAIN_SLOPE_STORM
    s = typhoon.STORY
    h = 1e-6
    numeric = (typhoon.pump(x + [h, 0, 0])["output"] - typhoon.pump(x - [h, 0, 0])["output"]) / (2 * h)
    assert reading.check_rain_slope(numeric)
    r = typhoon.pump(x)
    first = r["opening"] * s["W"][0]  # the rain weight times the opening alone
    fb = reading.check_rain_slope(first)
    assert not fb and "first term" in fb.message
    fb = reading.check_rain_slope(s["W"][0])
    assert not fb and "linear layer" in fb.message
    assert not reading.check_rain_slope(numeric + 0.05)
    assert not reading.check_rain_slope(None)


def test_rain_only_at_high_tide():
    W, b = typhoon.STORY["W"], typhoon.STORY["b"]
    assert reading.check_rain_only_at_high_tide(W, b, [0.0, 2.0, 0.0], -4.0)
    assert reading.check_rain_only_at_high_tide([1.0, 0.0, 0.0], 0.0, [0.0, 3.0, 0.0], -6.0)
    # the story's gate row is still half open at -1 m
    fb = reading.check_rain_only_at_high_tide(W, b, typhoon.STORY["V"], typhoon.STORY["c"])
    assert not fb and "low tide" in fb.message
    # a gate that switches too gently leaks at -1 m
    fb = reading.check_rain_only_at_high_tide(W, b, [0.0, 1.0, 0.0], -1.0)
    assert not fb and "low tide" in fb.message
    # a rain weight in the gate row opens it in heavy rain at low tide
    fb = reading.check_rain_only_at_high_tide(W, b, [0.5, 2.0, 0.0], -4.0)
    assert not fb and "second term" in fb.message
    # shut everywhere: the rain never matters
    fb = reading.check_rain_only_at_high_tide(W, b, [0.0, 2.0, 0.0], -7.0)
    assert not fb and "high tide" in fb.message
    # no rain in the severity row: nothing for the gate to switch
    fb = reading.check_rain_only_at_high_tide([0.0, 0.1, 0.3], b, [0.0, 2.0, 0.0], -4.0)
    assert not fb and "severity row" in fb.message
    assert not reading.check_rain_only_at_high_tide(None, b, [0.0, 2.0, 0.0], -4.0)
    assert not reading.check_rain_only_at_high_tide(W[:2], b, [0.0, 2.0, 0.0], -4.0)


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
    right = ["bilinear", "swiglu", "geglu", "reglu", "glu"]
    assert ex02.check_rank_at_point(right)
    out = {v: float(glulib.glu(np.array([ex02.RANK_POINT["value"]]), np.array([ex02.RANK_POINT["gate input"]]), a)[0])
           for v, a in glulib.VARIANTS.items()}
    assert sorted(out, key=out.get) == right  # the answer is computed, not remembered
    fb = ex02.check_rank_at_point(["bilinear", "geglu", "swiglu", "reglu", "glu"])  # GELU dips deeper? no
    assert not fb and "GEGLU" in fb.message
    assert not ex02.check_rank_at_point(right[::-1])
    assert not ex02.check_rank_at_point(right[:4])
    assert not ex02.check_rank_at_point(set(right))
    assert not ex02.check_rank_at_point(None)
    assert zoo.CONVENTIONS
