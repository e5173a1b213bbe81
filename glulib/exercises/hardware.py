"""Checkers for notebook 11 (gates meet the hardware). Each computes its right answer from
SmolLM2 (``glulib.llama``) on the notebook's passage (``glulib.hardware.passage_ids``) and from
``glulib.quantize``, never from a typed number."""

from functools import cache

import numpy as np

from .. import hardware, llama, quantize
from ..recording import FFNRecord
from ._feedback import Feedback, checker, close, frozen, integer, number

#: The layers of exercises 1, 2 and 3 (not the ones whose numbers the notebook prints).
INT8_LAYER = 8
OUTLIER_LAYER = 2
THRESHOLD_LAYER = 5
#: Exercise 3's target: the share of units the threshold should keep, and how close counts.
TARGET_SHARE, SHARE_TOLERANCE = 0.10, 0.01


@cache
def _record():
    llm = llama.load()
    rec = FFNRecord()
    llm.logits(hardware.passage_ids(llm)[:-1], record=rec)
    return rec


@checker
def check_int8_zeros(share):
    """Exercise 1: the share of layer INT8_LAYER's products that int8 with one scale per tensor rounds to 0."""
    got = number(share, "your share")
    p = _record().product[INT8_LAYER]  # (n, d_ff)
    want = float(np.mean(quantize.quantize(p, "int8", "tensor") == 0))
    step = float(np.max(np.abs(p))) / 127
    entry = 1 / p.size  # one entry's share: answers are checked to half of it, as counts are exact
    if close(got, want, rtol=0, atol=entry / 2):
        kept = int(np.count_nonzero(quantize.quantize(p, "int8", "tensor")))
        return Feedback(True, f"{want:.2%} of the entries become 0 (all but {kept} of {p.size}): the step is the largest |product| / 127 = "
                              f"{step:.3g}, and every entry smaller than half a step in size rounds to 0. One "
                              "outlier sets the step for all of them.")
    if close(got, 100 * want, rtol=1e-3, atol=0.1):
        return Feedback(False, "That looks like a percentage; give the share, between 0 and 1.")
    if close(got, float(np.mean(np.abs(p) < step)), rtol=0, atol=entry / 2):
        return Feedback(False, "Rounding to the nearest step keeps an entry once it is past HALF a step; "
                               "count |product| < step / 2.")
    if close(got, want, rtol=0, atol=1e-3):
        return Feedback(False, f"Close, but the share is a count over {p.size} entries, exact: give it with every "
                               "digit (np.mean(...) as it comes), not rounded.")
    if close(got, 1 - want, rtol=1e-3, atol=1e-3):
        return Feedback(False, "That is the share that survives; the exercise asks for the share that becomes 0.")
    return Feedback(False, "The int8 step is max |product| / 127 over the whole layer; an entry rounds to 0 "
                           "when it is smaller than half a step in size. Count those entries.")


@checker
def check_outlier_unit(unit):
    """Exercise 2: the unit of layer OUTLIER_LAYER with the largest |product| on the passage."""
    j = integer(unit, "unit")
    p = np.abs(_record().product[OUTLIER_LAYER])  # (n, d_ff)
    if not 0 <= j < p.shape[1]:
        return Feedback(False, f"unit must lie in [0, {p.shape[1]}); got {j}.")
    peaks = p.max(axis=0)  # (d_ff,)
    best = int(np.argmax(peaks))
    if j == best:
        layer = llama.load().layers[OUTLIER_LAYER]
        cos = quantize.unit_cosines(layer["W"], layer["V"])  # (d_ff,)
        above = int(np.sum(np.abs(cos) > abs(cos[j])))
        return Feedback(True, f"Unit {j}: |product| up to {peaks[j]:.0f}, {peaks[j] / np.median(p):.0f} times the "
                              f"layer's median, at token {int(np.argmax(p[:, j]))}. Its W and V columns have cosine "
                              f"{cos[j]:+.2f}; {above} units of the layer are more aligned. Is this outlier one that "
                              "alignment explains?")
    if j == int(np.unravel_index(int(np.argmax(p)), p.shape)[0]):
        return Feedback(False, "That is the TOKEN where the largest product sits, not the unit: take the argmax over "
                               "units (axis 1 of the (tokens, units) array is the unit).")
    return Feedback(False, f"Unit {j} peaks at {peaks[j]:.3g}, below the largest. Take np.abs(product).max(axis=0) "
                           "(each unit's largest over tokens) and its argmax.")


@checker
def check_threshold(threshold):
    """Exercise 3: a threshold on |opening| that keeps 10% of layer 5's units per token, on average."""
    t = number(threshold, "your threshold")
    g = np.abs(_record().opening[THRESHOLD_LAYER])  # (n, d_ff)
    kept = float(np.mean(g > t))
    if t < 0:
        return Feedback(False, f"|opening| is never below 0, so a threshold of {t:g} keeps every unit.")
    if abs(kept - TARGET_SHARE) <= SHARE_TOLERANCE:
        return Feedback(True, f"It keeps {kept:.1%} of the units on average. Per token the share varies "
                              f"from {np.min(np.mean(g > t, axis=1)):.1%} to {np.max(np.mean(g > t, axis=1)):.1%}: "
                              "a threshold fixes the size of an opening, not how many units pass, so the work "
                              "per token varies.")
    if abs(kept - (1 - TARGET_SHARE)) <= SHARE_TOLERANCE:
        return Feedback(False, f"That keeps {kept:.1%}: the threshold is the 10% quantile of |opening|, so 90% pass. "
                               "Take the 90% quantile.")
    return Feedback(False, f"That threshold keeps {kept:.1%} of the units on average; the target is "
                           f"{TARGET_SHARE:.0%} (within {SHARE_TOLERANCE:.0%}). Look at the quantiles of |opening|.")


# ---- for the tests: each checker's right answer and the plausible wrong answers a learner gives ----
# (how to write these: glulib/exercises/_feedback.py, point 6). With NumPy on the same recorded
# pass, not through glulib.quantize.

def _distinct(right, wrong):
    """The wrong answers that differ from the right one (a shortcut can land on it by chance)."""
    return {k: v for k, v in wrong.items() if any(v[p] != right[p] for p in v)}


def _int8_zeros_answers():
    p = np.asarray(_record().product[INT8_LAYER], dtype=np.float64)  # (n, d_ff)
    step = np.max(np.abs(p)) / 127
    want = float(np.mean(np.rint(p / step) == 0))  # within half a step of 0 (round half to even)
    return {"share": want}, _distinct({"share": want}, {
        "a percentage": {"share": 100 * want}, "below a whole step": {"share": float(np.mean(np.abs(p) < step))},
        "the share that survives": {"share": 1 - want}, "none": {"share": 0.0},
    })


def _outlier_unit_answers():
    p = np.abs(np.asarray(_record().product[OUTLIER_LAYER]))  # (n, d_ff)
    peaks = p.max(axis=0)  # (d_ff,)
    want = int(np.argmax(peaks))
    return {"unit": want}, _distinct({"unit": want}, {
        "the token, not the unit": {"unit": int(np.argmax(p.max(axis=1)))},
        "the smallest peak": {"unit": int(np.argmin(peaks))},
        "past the last unit": {"unit": p.shape[1]}, "a negative unit": {"unit": -1},
    })


def _threshold_answers():
    g = np.abs(np.asarray(_record().opening[THRESHOLD_LAYER], dtype=np.float64))  # (n, d_ff)
    return {"threshold": float(np.quantile(g, 1 - TARGET_SHARE))}, {
        "the 10% quantile (keeps 90%)": {"threshold": float(np.quantile(g, TARGET_SHARE))},
        "the median": {"threshold": float(np.median(g))},
        "above every opening": {"threshold": float(g.max()) + 1.0},
        "negative": {"threshold": -1.0},
    }


#: Checker name -> a function giving (right answer, {label: what a wrong answer changes}).
ANSWERS = frozen({"check_int8_zeros": _int8_zeros_answers, "check_outlier_unit": _outlier_unit_answers,
                  "check_threshold": _threshold_answers})
#: Arguments the notebook passes rather than the learner, per checker.
CONTEXT = frozen({})
