"""Checkers for notebook 02, the gate zoo."""

import math

import numpy as np

from .. import zoo
from ..elementwise import activate, glu
from ..feedforward import LABELS, VARIANTS
from ._feedback import Feedback, checker, choice, close, frozen, number, ordered, text

_LLAMA = "silu"
#: The sources and their letters, as the checkers' own copy taken when glulib loads.
_CONVENTIONS = frozen(zoo.CONVENTIONS)


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
    table = {s: g for s, g, _, _ in _CONVENTIONS}
    if not isinstance(source, str) or source not in table:
        return Feedback(False, f"pick a source from zoo.CONVENTIONS: {', '.join(table)}.")
    want = table[source]
    key = want.split(" (")[0].lower()
    if answer.lower() not in (want.lower(), key):
        linear = {s: lin for s, _, lin, _ in _CONVENTIONS}[source]
        if answer.lower() == linear.split(" (")[0].lower():
            return Feedback(False, f"{answer} is the linear branch in {source}; the letters swap between sources.")
        return Feedback(False, f"not {answer!r}. Look for the weight whose output goes through the activation.")
    return Feedback(True, f"in {source} the gate is {want}.")


#: Exercise 4: the value and the gate input at which the five variants' outputs are ranked.
RANK_POINT = frozen({"value": 2.0, "gate input": -1.0})


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


# ---- for the tests: each checker's right answer and the plausible wrong answers a learner gives ----
# (how to write these: glulib/exercises/_feedback.py, point 6)

def _llama_variant_answers():
    silu = [v for v, a in VARIANTS.items() if a == "silu"]
    return {"variant": silu[0]}, {f"{v}": {"variant": v} for v in VARIANTS if v not in silu} | {
        "the activation's name": {"variant": "silu"}, "the model's name": {"variant": "llama"}}


def _swish_at_zero_beta_answers():
    z = 2.0
    return {"value": z * 0.5}, {  # sigmoid(0 * z) = 1/2
        "the ReLU limit": {"value": max(z, 0.0)},
        "Swish with beta 1": {"value": z / (1 + math.exp(-z))},
        "sigmoid(0) alone": {"value": 0.5},
        "zero": {"value": 0.0},
    }


def _gated_branch_answers():
    src, gate, linear, _ = _CONVENTIONS[0]
    return {"source": src, "answer": gate.split(" (")[0]}, {
        "the linear branch": {"answer": linear.split(" (")[0]}, "the output projection": {"answer": "down_proj"},
        "empty": {"answer": ""}, "the activation's name": {"answer": "silu"},
        "the gate with a typo": {"answer": gate.split(" (")[0][:-1]}}


def _openings(a):
    """Each variant's opening at the gate input ``a``, by hand."""
    return {"glu": 1 / (1 + math.exp(-a)), "bilinear": a, "reglu": max(a, 0.0),
            "geglu": 0.5 * a * (1 + math.erf(a / math.sqrt(2))), "swiglu": a / (1 + math.exp(-a))}


def _rank_at_point_answers():
    value, a = RANK_POINT["value"], RANK_POINT["gate input"]
    out = {v: value * _openings(a)[v] for v in VARIANTS}
    order = sorted(out, key=out.get)
    return {"order": order}, {
        "highest first": {"order": order[::-1]}, "one missing": {"order": order[:-1]},
        "one twice": {"order": order[:-1] + order[:1]}, "as a set": {"order": set(order)},
        "as one text": {"order": ", ".join(order)}, "first two swapped": {"order": [order[1], order[0]] + order[2:]},
        "by the opening at the gate input's opposite": {"order": sorted(out, key=_openings(-a).get)},
    }


#: Checker name -> a function giving (right answer, {label: what a wrong answer changes}).
ANSWERS = frozen({"check_llama_variant": _llama_variant_answers, "check_swish_at_zero_beta": _swish_at_zero_beta_answers,
           "check_gated_branch": _gated_branch_answers, "check_rank_at_point": _rank_at_point_answers})
#: Arguments the notebook passes rather than the learner, per checker.
CONTEXT = frozen({"check_gated_branch": {"source"}})
