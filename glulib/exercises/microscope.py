"""Checkers for notebook 07 (the gate microscope). Each computes its right answer from the saved
models (``glulib.checkpoints``), the notebook's passage and the committed ablation table, never
from a typed number."""

from functools import cache

import numpy as np

from .. import microscope, textdata
from ..feedforward import LABELS
from ._feedback import Feedback, checker, choice, close, frozen, integer, number


@cache
def _states(variant):
    return microscope.record_all(textdata.load_corpus(), variants=(variant,))[variant]


@cache
def _scores(variant):
    return microscope.selectivity(_states(variant))


@checker
def check_exact_zeros(answer):
    """Exercise 1: the fraction of ReGLU's layer-1 openings on the passage that are exactly 0."""
    got = number(answer, "your fraction")
    g = _states("reglu").opening[1]  # (n, d_ff)
    want = float(np.mean(g == 0))
    if close(got, want, rtol=1e-3, atol=1e-4):
        return Feedback(True, f"{want:.1%} of ReGLU's layer-1 openings are exactly 0: relu(a) = 0 whenever "
                              "a < 0, so at those characters the value is multiplied by nothing at all. "
                              "SwiGLU and GEGLU never give exactly 0; they pass a little negative instead.")
    if close(got, 100 * want, rtol=1e-3, atol=1e-2):
        return Feedback(False, "That looks like a percentage; give the fraction, between 0 and 1.")
    if close(got, 1 - want, rtol=1e-3, atol=1e-4):
        return Feedback(False, "That is the fraction that is NOT zero; count the openings equal to 0.")
    if close(got, float(np.mean(_states("reglu").opening[0] == 0)), rtol=1e-3, atol=1e-4):
        return Feedback(False, "That is layer 0; the exercise asks about layer 1 (index 1).")
    if close(got, float(np.mean(np.abs(g) < 0.05)), rtol=1e-3, atol=1e-4):
        return Feedback(False, "That counts openings near 0 (below 0.05); count only those exactly 0 (g == 0).")
    return Feedback(False, "Take states['reglu'].opening[1], compare it with 0 and average the result.")


#: Exercise 2: the class of characters whose best SwiGLU unit the learner finds. Its best unit lies
#: in layer 1 (tests/test_exercises_microscope.py checks that), so np.argmax's flat index, taken
#: for the unit without np.unravel_index, is not the right answer by chance.
BEST_UNIT_CLASS = "quote"


@checker
def check_best_unit(layer, unit):
    """Exercise 2: the SwiGLU unit whose opening separates BEST_UNIT_CLASS best (highest AUC)."""
    L, j = integer(layer, "layer"), integer(unit, "unit")
    scores = _scores("swiglu")[BEST_UNIT_CLASS]  # (n_layers, d_ff)
    flat = int(np.argmax(scores))
    best = np.unravel_index(flat, scores.shape)
    if j == flat and (L, j) != best:
        return Feedback(False, f"{j} is np.argmax's flat index: it counts through all {scores.size} scores, "
                               f"layer after layer. Turn it back into (layer, unit) with "
                               "np.unravel_index(np.argmax(s), s.shape).")
    if not (0 <= L < scores.shape[0] and 0 <= j < scores.shape[1]):
        return Feedback(False, f"layer must lie in [0, {scores.shape[0]}) and unit in [0, {scores.shape[1]}); "
                               f"got layer {L}, unit {j}.")
    lowest = np.unravel_index(int(np.argmin(scores)), scores.shape)
    if (L, j) == best:
        return Feedback(True, f"Layer {L}, unit {j}: AUC {scores[L, j]:.3f}. A {BEST_UNIT_CLASS} scores higher on "
                              "this unit than almost any other character does. Look at its top contexts in the "
                              f"microscope: is it the {BEST_UNIT_CLASS} itself, or the characters near it?")
    if (L, j) == lowest:
        return Feedback(False, f"That unit has the LOWEST AUC ({scores[L, j]:.3f}): it closes on each "
                               f"{BEST_UNIT_CLASS}. The exercise asks for the unit that opens on them: take the argmax.")
    if j == best[1]:
        return Feedback(False, f"Unit {j} is right, in the other layer: give the layer the maximum is in.")
    if scores[L, j] > 0.9:
        return Feedback(False, f"Close: that unit separates {BEST_UNIT_CLASS}s well (AUC {scores[L, j]:.3f}), but "
                               "another does better. Search both layers: np.unravel_index(np.argmax(s), s.shape).")
    return Feedback(False, f"That unit's AUC for {BEST_UNIT_CLASS}s is {scores[L, j]:.3f} (0.5 = no separation). "
                           f"Search both layers of scores[{BEST_UNIT_CLASS!r}] for the largest value.")


@checker
def check_most_harmful(unit):
    """Exercise 3: the SwiGLU layer-1 unit whose opening, held at its mean, raises the loss most."""
    j = integer(unit, "unit")
    table = microscope.load_ablations()["models"]["swiglu"]
    change = table["opening at mean"][1]  # (d_ff,)
    if not 0 <= j < change.size:
        return Feedback(False, f"unit must lie in [0, {change.size}); got {j}.")
    best = int(np.argmax(change))
    if j == best:
        return Feedback(True, f"Unit {j}: holding its opening at its mean raises the held-out loss by "
                              f"{change[j]:.4f} nats on these characters, the most in layer 1. Compare with "
                              f"holding its value at its mean ({table['value at mean'][1][j]:+.4f}).")
    mistakes = {  # a likely wrong unit -> what it is; where two coincide, the last listed is said
        int(np.argmin(change)): f"Holding that unit's opening LOWERS the loss ({change[j]:+.4f}): take the "
                                "largest change, not the smallest.",
        int(np.argmax(table["opening at mean"][0])): "That is the most harmful unit of layer 0; the exercise "
                                                     "asks about layer 1.",
        int(np.argmax(table["value at mean"][1])): "That is the unit whose VALUE matters most; the exercise "
                                                   "holds the opening.",
    }
    if j in mistakes:
        return Feedback(False, mistakes[j])
    return Feedback(False, f"Unit {j} changes the loss by {change[j]:+.4f}; find the largest change in "
                           "table['swiglu']['opening at mean'][1].")


@checker
def check_decides(answer):
    """Exercise 4: does the trained GLU's gate mostly decide (openings near 0 or 1), or mostly hedge?"""
    got = choice(answer, ("decides", "hedges"), "your prediction")
    rows = microscope.opening_stats(_states("glu"))
    middle = float(np.mean([r["middle"] for r in rows]))
    want = "hedges" if middle > 0.5 else "decides"
    if got == want:
        return Feedback(True, f"{middle:.0%} of {LABELS['glu']}'s openings, averaged over its layers, lie between "
                              "0.05 and 0.95: its gates mostly pass part of the value. A gate that decided, "
                              "like a pump that is either on or off, would put most openings near 0 or 1.")
    return Feedback(False, f"Look at the 'middle' column of opening_stats for GLU: {middle:.0%} of its "
                           "openings lie between 0.05 and 0.95.")


# ---- for the tests: each checker's right answer and the plausible wrong answers a learner gives ----
# (how to write these: glulib/exercises/_feedback.py, point 6). From the same recorded states
# (recorded once), with NumPy.

def _distinct(right, wrong):
    """The wrong answers that differ from the right one (a shortcut can land on it by chance)."""
    return {k: v for k, v in wrong.items() if any(v[p] != right[p] for p in v)}


def _exact_zeros_answers():
    g = _states("reglu").opening  # per layer (n, d_ff)
    want = float(np.mean(g[1] == 0))
    return {"answer": want}, _distinct({"answer": want}, {
        "a percentage": {"answer": 100 * want}, "the fraction not zero": {"answer": 1 - want},
        "layer 0": {"answer": float(np.mean(g[0] == 0))},
        "near zero, not exactly": {"answer": float(np.mean(np.abs(g[1]) < 0.05))},
        "none": {"answer": 0.0}, "half": {"answer": 0.5},
    })


def _best_unit_answers():
    s = microscope.selectivity(_states("swiglu"))[BEST_UNIT_CLASS]  # (n_layers, d_ff)
    order = np.argsort(s, axis=None)  # flat, lowest first
    best, second, lowest = (tuple(int(i) for i in np.unravel_index(k, s.shape))
                            for k in (order[-1], order[-2], order[0]))
    right = {"layer": best[0], "unit": best[1]}
    return right, _distinct(right, {
        "the flat index of np.argmax, in layer 0": {"layer": 0, "unit": int(order[-1])},
        "the flat index of np.argmax, in its layer": {"unit": int(order[-1])},
        "the lowest AUC": {"layer": lowest[0], "unit": lowest[1]},
        "the second best": {"layer": second[0], "unit": second[1]},
        "layer and unit swapped": {"layer": best[1], "unit": best[0]}, "the other layer": {"layer": 1 - best[0]},
        "past the last unit": {"unit": s.shape[1]}, "a negative unit": {"unit": -1},
    })


def _most_harmful_answers():
    t = microscope.load_ablations()["models"]["swiglu"]
    change = np.asarray(t["opening at mean"][1])  # (d_ff,)
    want = int(np.argmax(change))
    return {"unit": want}, _distinct({"unit": want}, {
        "the value held, not the opening": {"unit": int(np.argmax(t["value at mean"][1]))},
        "layer 0's": {"unit": int(np.argmax(t["opening at mean"][0]))},
        "the smallest change": {"unit": int(np.argmin(change))},
        "past the last unit": {"unit": change.size}, "a negative unit": {"unit": -1},
    })


def _decides_answers():
    middle = float(np.mean([r["middle"] for r in microscope.opening_stats(_states("glu"))]))
    want = "hedges" if middle > 0.5 else "decides"
    other = "decides" if want == "hedges" else "hedges"
    return {"answer": want.upper()}, {"the other": {"answer": other}, "both": {"answer": "decides and hedges"},
                                      "a yes": {"answer": "yes"}, "a number": {"answer": middle}}


#: Checker name -> a function giving (right answer, {label: what a wrong answer changes}).
ANSWERS = frozen({"check_exact_zeros": _exact_zeros_answers, "check_best_unit": _best_unit_answers,
           "check_most_harmful": _most_harmful_answers, "check_decides": _decides_answers})
#: Arguments the notebook passes rather than the learner, per checker.
CONTEXT = frozen({})
