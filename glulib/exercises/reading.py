"""Checkers for notebook 01, reading the numbers."""

import numpy as np

from .. import typhoon
from ._feedback import Feedback, checker, choice, close, number, numbers




@checker
def check_linear_column(values):
    """Exercise 1: what a plain linear layer (the severity row alone) says about the three storms."""
    got = numbers(values, "your answer (one number per storm A, B, C)", n=3)
    storms = typhoon.load_storms()
    want = typhoon.linear(storms["x"], typhoon.STORY["W"], typhoon.STORY["b"])  # (3,)
    glu_out = typhoon.pump(storms["x"])["output"]  # (3,)
    if np.allclose(got, glu_out, rtol=1e-2):
        return Feedback(False, "those are the GLU's outputs; the linear layer has no gate, only the severity row.")
    wrong = [storms["name"][i] for i in range(3) if not close(got[i], want[i], rtol=1e-2)]
    if wrong:
        return Feedback(False, f"storm(s) {', '.join(wrong)} are off: x . W + b with the severity row.")
    return Feedback(True, "the linear layer's answer moves by the tide weight times the tide change and nothing "
                          "more: it cannot make the tide switch the response to the rain on or off.")


@checker
def check_half_open_tide(tide):
    """Exercise 2: the tide at which the pumps run at exactly half power, for storm A's rain and wind."""
    tide = number(tide, "tide")
    storms = typhoon.load_storms()
    rain, _, wind = storms["x"][0]
    V, c = typhoon.STORY["V"], typhoon.STORY["c"]
    want = -(V[0] * rain + V[2] * wind + c) / V[1]  # gate input 0 <=> sigmoid = 1/2
    gate = typhoon.pump(np.array([rain, tide, wind]))["gate"]
    if not close(tide, want, rtol=1e-3, atol=1e-3):
        return Feedback(False, f"at tide {tide:g} m the pump fraction is {gate:.3f}, not 0.5. The sigmoid is "
                               "one half where its input is zero: solve gate input = 0 for the tide.")
    return Feedback(True, f"at {want:g} m the gate input is zero and the pumps run at half power.")


@checker
def check_gate_feature(name, history=None):
    """Exercise 3: which feature did the learned gate weigh most? (``history``: notebook 01's fit;
    refitted when not given.)"""
    name = choice(name, typhoon.FEATURES, "your answer")
    if history is None:
        _, history = typhoon.fit_history()
    V = typhoon.snapshot(history, "glu", -1)["V"]
    want = typhoon.FEATURES[int(np.argmax(np.abs(V)))]
    if name != want:
        return Feedback(False, f"look again at the learned V: its largest weight (in size) is not on {name}.")
    return Feedback(True, f"the learned gate row leans on {want}, as the true rule does: nobody told it to.")
