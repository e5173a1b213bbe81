"""Checkers of notebook 00 (the typhoon pump): right answers pass, each typical wrong answer fails
with a reason."""

from glulib import typhoon
from glulib.exercises import typhoon as ex00


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
