"""Checkers for notebook 00, the typhoon pump."""

import numpy as np

from .. import typhoon
from ._feedback import Feedback, close, unanswered



#: The storm of exercise 1: rain 3 cm/h, tide 1 m above normal, wind 2 (tens of m/s).
BY_HAND_STORM = np.array([3.0, 1.0, 2.0])


def check_by_hand(severity, gate_input, gate, output):
    """Exercise 1: the story's weights on BY_HAND_STORM, step by step."""
    missing = unanswered(severity, gate_input, gate, output)
    if missing is not None:
        return missing
    r = typhoon.pump(BY_HAND_STORM)
    x = BY_HAND_STORM
    s = typhoon.STORY
    if not close(severity, r["severity"], rtol=0.01):
        if close(severity, float(x @ s["W"]), rtol=0.01):
            return Feedback(False, f"severity {severity} is x . W without the bias: add b = {s['b']}.")
        return Feedback(False, f"severity {severity} is off: multiply each feature by its severity weight "
                               f"({', '.join(f'{w:g}' for w in s['W'])}), add them, then add b = {s['b']}.")
    if not close(gate_input, r["gate_input"], rtol=0.01):
        if close(gate_input, float(x @ s["V"]), rtol=0.01):
            return Feedback(False, f"gate input {gate_input} misses the bias c = {s['c']}.")
        return Feedback(False, f"severity is right; gate input {gate_input} is off: use the gate row "
                               f"({', '.join(f'{v:g}' for v in s['V'])}) and c = {s['c']}.")
    if not close(gate, r["gate"], rtol=0.01):
        return Feedback(False, f"severity and gate input are right; the gate is sigmoid(gate input) = "
                               f"1 / (1 + exp(-gate input)), not {gate}.")
    if not close(output, r["output"], rtol=0.01):
        return Feedback(False, f"the branches are right; the output is severity times gate, not {output}.")
    return Feedback(True, f"severity {r['severity']:.2f}, gate input {r['gate_input']:.2f}, "
                          f"pump fraction {r['gate']:.3f}, pumped {r['output']:.3f} {typhoon.VOLUME_UNIT}.")


def check_full_pumps(rainfall, tide, wind):
    """Exercise 2: a storm (inside the panel's ranges) for which the pumps run at 95 % or more."""
    missing = unanswered(rainfall, tide, wind)
    if missing is not None:
        return missing
    from ..panels.pump import FEATURE_RANGES

    x = np.array([rainfall, tide, wind], dtype=float)
    for name, v in zip(typhoon.FEATURES, x):
        lo, hi, _ = FEATURE_RANGES[name]
        if not lo <= v <= hi:
            return Feedback(False, f"{name} = {v:g} is outside the panel's range [{lo:g}, {hi:g}].")
    r = typhoon.pump(x)
    if r["gate"] < 0.95:
        return Feedback(False, f"the pump fraction is {r['gate']:.3f}; the gate input {r['gate_input']:.2f} must "
                               "reach about 2.94 (sigmoid(2.94) = 0.95). Which feature has the largest gate weight?")
    return Feedback(True, f"gate input {r['gate_input']:.2f}, pump fraction {r['gate']:.3f}.")


def check_bilinear_output(output):
    """Exercise 3: the story's storm with no squashing on the gate (the Bilinear variant)."""
    missing = unanswered(output)
    if missing is not None:
        return missing
    r = typhoon.pump(typhoon.STORY["x"], activation="identity")
    if close(output, typhoon.pump(typhoon.STORY["x"])["output"], rtol=0.01):
        return Feedback(False, "that is the sigmoid gate's answer; with the identity the gate is the gate input itself.")
    if not close(output, r["output"], rtol=0.01):
        return Feedback(False, f"{output} is off: multiply the severity by the raw gate input.")
    return Feedback(True, f"{r['severity']:.2f} \u00d7 {r['gate_input']:.2f} = {r['output']:.2f}: more than the "
                          "incoming volume, because an unsquashed gate can exceed 1. The pumps cannot run at 150 %, "
                          "but inside a network Bilinear works well (it beat GLU in Shazeer's Table 1).")
