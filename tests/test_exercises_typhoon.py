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


def test_by_hand_wants_the_opening_rounded_at_the_end_not_in_the_middle():
    """Issue 22: an opening rounded to 0.67 before multiplying was accepted (1 % tolerance)."""
    r = typhoon.pump(ex00.BY_HAND_STORM)
    two = round(r["opening"], 2)
    early = ex00.check_by_hand(r["severity"], r["gate_input"], two, r["severity"] * two)
    assert not early and "round at the end" in early.message.lower()
    late = ex00.check_by_hand(r["severity"], r["gate_input"], r["opening"], r["severity"] * two)
    assert not late and "round at the end" in late.message.lower()
    assert ex00.check_by_hand(*(round(r[k], 4) for k in ("severity", "gate_input", "opening", "output")))
