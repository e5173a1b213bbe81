"""Checkers for notebook 00, the typhoon pump."""

import math

import numpy as np

from .. import typhoon
from ._feedback import Feedback, checker, close, number



#: The storm of exercise 1: rain 3 cm/h, tide 1 m above normal, wind 2 (tens of m/s).
BY_HAND_STORM = np.array([3.0, 1.0, 2.0])
#: Exercise 2: the opening (pump fraction) that counts as running at full power.
FULL = 0.95


@checker
def check_by_hand(severity, gate_input, opening, output):
    """Exercise 1: the story's weights on BY_HAND_STORM, step by step."""
    severity, gate_input = number(severity, "severity"), number(gate_input, "gate_input")
    opening, output = number(opening, "opening"), number(output, "output")
    r = typhoon.pump(BY_HAND_STORM)
    x = BY_HAND_STORM
    s = typhoon.STORY
    if not close(severity, r["severity"], rtol=0.01):
        if close(severity, float(x @ s["W"]), rtol=0.01):
            return Feedback(False, f"severity {severity:g} is x . W without the bias: add b = {s['b']:g}.")
        return Feedback(False, f"severity {severity:g} is off: multiply each feature by its severity weight "
                               f"({', '.join(f'{w:g}' for w in s['W'])}), add them, then add b = {s['b']:g}.")
    if not close(gate_input, r["gate_input"], rtol=0.01):
        if close(gate_input, float(x @ s["V"]), rtol=0.01):
            return Feedback(False, f"gate input {gate_input:g} misses the bias c = {s['c']:g}.")
        return Feedback(False, f"severity is right; gate input {gate_input:g} is off: use the gate row "
                               f"({', '.join(f'{v:g}' for v in s['V'])}) and c = {s['c']:g}.")
    if not close(opening, r["opening"], rtol=0.01):
        if close(opening, 1 - r["opening"], rtol=0.01):
            return Feedback(False, f"{opening:g} is 1 - sigmoid(gate input), the closed fraction; the opening is "
                                   "sigmoid(gate input) = 1 / (1 + exp(-gate input)).")
        return Feedback(False, f"severity and gate input are right; the opening is sigmoid(gate input) = "
                               f"1 / (1 + exp(-gate input)), not {opening:g}.")
    if not close(output, r["output"], rtol=0.01):
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
    r = typhoon.pump(x)
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
    r = typhoon.pump(typhoon.STORY["x"], activation="identity")
    if close(output, typhoon.pump(typhoon.STORY["x"])["output"], rtol=0.01):
        return Feedback(False, "that is the sigmoid's answer; with the identity the opening is the gate input itself.")
    if not close(output, r["output"], rtol=0.01):
        return Feedback(False, f"{output:g} is off: multiply the severity by the raw gate input.")
    return Feedback(True, f"{r['severity']:.2f} \u00d7 {r['gate_input']:.2f} = {r['output']:.2f}: more than the "
                          f"incoming volume, because an unsquashed opening can exceed 1. The pumps cannot run at {r['opening']:.0%}, "
                          "but inside a network Bilinear works well (it beat GLU in Shazeer's Table 1).")
