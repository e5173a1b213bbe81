"""Checkers of notebook 01 (reading the numbers): right answers pass, each typical wrong answer
fails with a reason."""

from glulib import typhoon
from glulib.exercises import reading


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
