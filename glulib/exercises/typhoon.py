"""Checkers for notebook 00, the typhoon pump."""

import math

import numpy as np

from .. import typhoon
from ._feedback import Feedback, checker, close, frozen, number

#: The storm of exercise 1: rain 3 cm/h, tide 1 m above normal, wind 2 (tens of m/s).
BY_HAND_STORM = frozen(np.array([3.0, 1.0, 2.0]))
#: Exercise 1: how close each number must be, relative to the exact one (0.01 %). The notebook's
#: rule is "round at the end, not in the middle": an opening rounded to two decimals and then
#: multiplied is off by more than this, a result rounded to four decimals at the end is not.
BY_HAND_RTOL = 1e-4
#: Exercise 2: the opening (pump fraction) that counts as running at full power.
FULL = 0.95
#: The story's weights and storm as the checkers' own copy, taken when glulib loads.
_STORY = frozen(dict(typhoon.STORY))


@checker
def check_by_hand(severity, gate_input, opening, output):
    """Exercise 1: the story's weights on BY_HAND_STORM, step by step."""
    severity, gate_input = number(severity, "severity"), number(gate_input, "gate_input")
    opening, output = number(opening, "opening"), number(output, "output")
    x, s = np.array(BY_HAND_STORM), _STORY
    r = typhoon.pump(x, s["W"], s["b"], s["V"], s["c"])
    tol = BY_HAND_RTOL

    def rounded(name, got, want):
        """Words for a number within 1 % of the exact one but not within the tolerance."""
        return Feedback(False, f"{name} {got:g} is close to the exact value, but not within {tol:.2%} of it: it "
                               "looks rounded. Keep every digit Python gives you and round at the end, not in "
                               "the middle.")

    if not close(severity, r["severity"], rtol=tol):
        if close(severity, float(x @ s["W"]), rtol=tol):
            return Feedback(False, f"severity {severity:g} is x . W without the bias: add b = {s['b']:g}.")
        if close(severity, r["severity"], rtol=0.01):
            return rounded("severity", severity, r["severity"])
        return Feedback(False, f"severity {severity:g} is off: multiply each feature by its severity weight "
                               f"({', '.join(f'{w:g}' for w in s['W'])}), add them, then add b = {s['b']:g}.")
    if not close(gate_input, r["gate_input"], rtol=tol):
        if close(gate_input, float(x @ s["V"]), rtol=tol):
            return Feedback(False, f"gate input {gate_input:g} misses the bias c = {s['c']:g}.")
        if close(gate_input, r["gate_input"], rtol=0.01):
            return rounded("gate input", gate_input, r["gate_input"])
        return Feedback(False, f"severity is right; gate input {gate_input:g} is off: use the gate row "
                               f"({', '.join(f'{v:g}' for v in s['V'])}) and c = {s['c']:g}.")
    if not close(opening, r["opening"], rtol=tol):
        if close(opening, 1 - r["opening"], rtol=0.01):
            return Feedback(False, f"{opening:g} is 1 - sigmoid(gate input), the closed fraction; the opening is "
                                   "sigmoid(gate input) = 1 / (1 + exp(-gate input)).")
        if close(opening, r["opening"], rtol=0.01):
            return rounded("the opening", opening, r["opening"])
        return Feedback(False, f"severity and gate input are right; the opening is sigmoid(gate input) = "
                               f"1 / (1 + exp(-gate input)), not {opening:g}.")
    if not close(output, r["output"], rtol=tol):
        if close(output, r["output"], rtol=0.01):
            return Feedback(False, f"the output {output:g} is close, but not within {tol:.2%} of severity times "
                                   "opening: was the opening rounded before you multiplied? Round at the end, "
                                   "not in the middle.")
        return Feedback(False, f"the branches are right; the output is severity times opening, not {output:g}.")
    return Feedback(True, f"severity {r['severity']:.2f}, gate input {r['gate_input']:.2f}, "
                          f"opening {r['opening']:.3f}, pumped {r['output']:.3f} {typhoon.VOLUME_UNIT}.")


@checker
def check_full_pumps(rainfall, tide, wind):
    """Exercise 2: a storm (inside the panel's ranges) for which the pumps run at FULL or more."""
    x = np.array([number(rainfall, "rainfall"), number(tide, "tide"), number(wind, "wind")])  # (3,)
    for name, v in zip(typhoon.FEATURES, x):
        lo, hi, _ = typhoon.FEATURE_RANGES[name]
        if not lo <= v <= hi:
            return Feedback(False, f"{name} = {v:g} is outside the panel's range [{lo:g}, {hi:g}].")
    s = _STORY
    r = typhoon.pump(x, s["W"], s["b"], s["V"], s["c"])
    if not r["opening"] >= FULL:
        need = math.log(FULL / (1 - FULL))  # the gate input where sigmoid reaches FULL
        return Feedback(False, f"the opening is {r['opening']:.3f}; the gate input {r['gate_input']:.2f} must "
                               f"reach about {need:.2f} (sigmoid({need:.2f}) = {FULL:g}). Which feature has the "
                               "largest gate weight?")
    return Feedback(True, f"gate input {r['gate_input']:.2f}, opening {r['opening']:.3f}.")


@checker
def check_bilinear_output(output):
    """Exercise 3: the story's storm with no squashing of the gate input (the Bilinear variant)."""
    output = number(output, "output")
    s = _STORY
    r = typhoon.pump(s["x"], s["W"], s["b"], s["V"], s["c"], activation="identity")
    if close(output, typhoon.pump(s["x"], s["W"], s["b"], s["V"], s["c"])["output"], rtol=0.01):
        return Feedback(False, "that is the sigmoid's answer; with the identity the opening is the gate input itself.")
    if not close(output, r["output"], rtol=0.01):
        return Feedback(False, f"{output:g} is off: multiply the severity by the raw gate input.")
    return Feedback(True, f"{r['severity']:.2f} \u00d7 {r['gate_input']:.2f} = {r['output']:.2f}: more than the "
                          f"incoming volume, because an unsquashed opening can exceed 1. The pumps cannot run at {r['opening']:.0%}, "
                          "but inside a network Bilinear works well (it beat GLU in Shazeer's Table 1).")


# ---- for the tests: each checker's right answer and the plausible wrong answers a learner gives ----
# (how to write these: glulib/exercises/_feedback.py, point 6). Computed by hand from the story's
# numbers, not by calling typhoon.pump as the checkers do.

def _sigmoid(z):
    return 1 / (1 + math.exp(-z))


def _by_hand_answers():
    x, s = np.array(BY_HAND_STORM), _STORY
    severity = float(x @ s["W"] + s["b"])
    gate_input = float(x @ s["V"] + s["c"])
    opening = _sigmoid(gate_input)
    two = round(opening, 2)
    right = {"severity": severity, "gate_input": gate_input, "opening": opening, "output": severity * opening}
    return right, {
        "severity without the bias": {"severity": float(x @ s["W"])},
        "severity with the wrong sign": {"severity": -severity},
        "gate input without the bias": {"gate_input": float(x @ s["V"])},
        "opening = 1 - sigmoid": {"opening": 1 - opening},
        "opening = the gate input (no sigmoid)": {"opening": gate_input},
        "opening rounded to a whole number": {"opening": float(round(opening))},
        "opening rounded to two decimals, then multiplied": {"opening": two, "output": severity * two},
        "output from an opening rounded to two decimals": {"output": severity * two},
        "output = severity x gate input": {"output": severity * gate_input},
        "output = severity + opening": {"output": severity + opening},
        "output twice too large": {"output": 2 * severity * opening},
        "output = severity": {"output": severity},
    }


def _full_pumps_answers():
    V, ranges, names = _STORY["V"], typhoon.FEATURE_RANGES, typhoon.FEATURES
    best = [ranges[k][1] if v > 0 else ranges[k][0] for k, v in zip(names, V)]
    worst_storm = [ranges[k][0] if v > 0 else ranges[k][1] for k, v in zip(names, V)]
    mid = [(ranges[k][0] + ranges[k][1]) / 2 for k in names]
    beyond = [b + 10 * (1 if v > 0 else -1) for b, v in zip(best, V)]
    return dict(zip(names, best)), {
        "the storm that closes the gate": dict(zip(names, worst_storm)),
        "the middle of every range": dict(zip(names, mid)),
        "past the panel's ranges": dict(zip(names, beyond)),
        "features in the wrong order": dict(zip(names, best[::-1])),
    }


def _bilinear_answers():
    s = _STORY
    severity, gate_input = float(s["x"] @ s["W"] + s["b"]), float(s["x"] @ s["V"] + s["c"])
    return {"output": severity * gate_input}, {
        "the sigmoid gate's output": {"output": severity * _sigmoid(gate_input)},
        "the severity alone": {"output": severity},
        "severity + gate input": {"output": severity + gate_input},
        "wrong sign": {"output": -severity * gate_input},
    }


#: Checker name -> a function giving (right answer, {label: what a wrong answer changes}).
ANSWERS = frozen({"check_by_hand": _by_hand_answers, "check_full_pumps": _full_pumps_answers,
           "check_bilinear_output": _bilinear_answers})
#: Arguments the notebook passes rather than the learner, per checker.
CONTEXT = frozen({})
