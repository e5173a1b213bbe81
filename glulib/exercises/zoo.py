"""Checkers for notebook 02, the gate zoo."""

import numpy as np

from .. import zoo
from ..elementwise import activate
from ..feedforward import LABELS, VARIANTS
from ..elementwise import glu
from ._feedback import Feedback, checker, choice, close, number, ordered, text



_LLAMA = "silu"


@checker
def check_llama_variant(variant):
    """Exercise 1: LLaMA's FeedForward computes w2(silu(w1 x) * w3 x). Which variant is it?"""
    v = choice(variant, VARIANTS, "your answer")
    if VARIANTS[v] != _LLAMA:
        return Feedback(False, f"{LABELS[v]} gates with {VARIANTS[v]}; LLaMA's gate is silu (Swish with beta 1).")
    return Feedback(True, "SwiGLU: silu on the w1 branch (the gate), w3 the linear branch, w2 the way back to d_model.")


@checker
def check_swish_at_zero_beta(value):
    """Exercise 2: Swish_beta(2) when beta = 0."""
    value = number(value, "your answer")
    want = float(activate(np.array([2.0]), "silu", 0.0)[0])
    if close(value, float(activate(np.array([2.0]), "relu")[0]), rtol=1e-3):
        return Feedback(False, "that is the large-beta limit (ReLU). At beta = 0, sigmoid(0 * z) is 1/2 for every z.")
    if not close(value, want, rtol=1e-3):
        return Feedback(False, f"{value:g} is off: Swish_beta(z) = z sigmoid(beta z); put beta = 0 and z = 2.")
    return Feedback(True, "at beta = 0 Swish is z/2, a straight line: SwiGLU with beta = 0 is Bilinear scaled by 1/2.")


@checker
def check_gated_branch(source, answer):
    """Exercise 3: name the gated (activated) branch in ``source`` (a row of zoo.CONVENTIONS)."""
    answer = text(answer, "your answer")
    table = {s: g for s, g, _, _ in zoo.CONVENTIONS}
    if not isinstance(source, str) or source not in table:
        return Feedback(False, f"pick a source from zoo.CONVENTIONS: {', '.join(table)}.")
    want = table[source]
    key = want.split(" (")[0].lower()
    if answer.lower() not in (want.lower(), key):
        linear = {s: lin for s, _, lin, _ in zoo.CONVENTIONS}[source]
        if answer.lower() == linear.split(" (")[0].lower():
            return Feedback(False, f"{answer} is the linear branch in {source}; the letters swap between sources.")
        return Feedback(False, f"not {answer!r}. Look for the weight whose output goes through the activation.")
    return Feedback(True, f"in {source} the gate is {want}.")


#: Exercise 4: the value and the gate input at which the five variants' outputs are ranked.
RANK_POINT = {"value": 2.0, "gate input": -1.0}


@checker
def check_rank_at_point(order):
    """Exercise 4: the five variants ordered by value * act(gate) at RANK_POINT, lowest first."""
    names = ordered(order, VARIANTS, "order_4")  # words for None, text, sets, single values, unknown names
    if sorted(names) != sorted(VARIANTS):
        missing = [LABELS[v] for v in VARIANTS if v not in names]
        twice = sorted({LABELS[v] for v in names if names.count(v) > 1})
        said = (f"missing: {', '.join(missing)}" if missing else "") + \
               ("; " if missing and twice else "") + (f"named twice: {', '.join(twice)}" if twice else "")
        return Feedback(False, f"list each of the five variants once ({said}).")
    value, gate = np.array([RANK_POINT["value"]]), np.array([RANK_POINT["gate input"]])
    out = {v: float(glu(value, gate, act)[0]) for v, act in VARIANTS.items()}
    for low, high in zip(names, names[1:]):
        if out[low] > out[high]:
            return Feedback(False, f"{LABELS[low]} is not below {LABELS[high]} at this point. Which sign does each "
                                   f"activation have at a gate input of {gate[0]:g}, and how deep does each dip?")
    shown = ", ".join(f"{LABELS[v]} {out[v]:.3f}" for v in names)
    return Feedback(True, f"{shown}. Only GLU's output is positive: the sigmoid never goes below zero, while "
                          "Swish dips deeper than GELU at this gate input and Bilinear passes it straight through.")
