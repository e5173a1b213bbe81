"""Checkers for notebook 11 (gates meet the hardware). Each computes its right answer from
SmolLM2 (``glulib.llama``) on the notebook's passage (``glulib.hardware.passage_ids``) and from
``glulib.quantize``, never from a typed number."""

from functools import cache

import numpy as np

from .. import hardware, llama, quantize
from ..recording import FFNRecord
from ._feedback import Feedback, checker, close, integer, number

#: The layer of exercises 1 and 3.
INT8_LAYER = 11
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
    """Exercise 1: the share of layer 11's products that int8 with one scale per tensor rounds to 0."""
    got = number(share, "your share")
    p = _record().product[INT8_LAYER]  # (n, d_ff)
    want = float(np.mean(quantize.quantize(p, "int8", "tensor") == 0))
    step = float(np.max(np.abs(p))) / 127
    if close(got, want, rtol=1e-3, atol=1e-3):
        kept = int(np.count_nonzero(quantize.quantize(p, "int8", "tensor")))
        return Feedback(True, f"{want:.2%} of the entries become 0 (all but {kept} of {p.size}): the step is the largest |product| / 127 = "
                              f"{step:.3g}, and every entry smaller than half a step in size rounds to 0. One "
                              "outlier sets the step for all of them.")
    if close(got, 100 * want, rtol=1e-3, atol=0.1):
        return Feedback(False, "That looks like a percentage; give the share, between 0 and 1.")
    if close(got, float(np.mean(np.abs(p) < step)), rtol=1e-3, atol=1e-3):
        return Feedback(False, "Rounding to the nearest step keeps an entry once it is past HALF a step; "
                               "count |product| < step / 2.")
    if close(got, 1 - want, rtol=1e-3, atol=1e-3):
        return Feedback(False, "That is the share that survives; the exercise asks for the share that becomes 0.")
    return Feedback(False, "The int8 step is max |product| / 127 over the whole layer; an entry rounds to 0 "
                           "when it is smaller than half a step in size. Count those entries.")


@checker
def check_outlier_unit(layer, unit):
    """Exercise 2: the (layer, unit) of the largest |product| on the passage."""
    L, j = integer(layer, "layer"), integer(unit, "unit")
    products = _record().product
    n_layers, d_ff = len(products), products[0].shape[1]
    if not (0 <= L < n_layers and 0 <= j < d_ff):
        return Feedback(False, f"layer must lie in [0, {n_layers}) and unit in [0, {d_ff}); got layer {L}, unit {j}.")
    peaks = np.array([np.max(np.abs(p), axis=0) for p in products])  # (n_layers, d_ff)
    best = np.unravel_index(int(np.argmax(peaks)), peaks.shape)
    if (L, j) == best:
        t = int(np.argmax(np.abs(products[L][:, j])))
        return Feedback(True, f"Layer {L}, unit {j}: |product| {peaks[L, j]:.0f} at token {t}, "
                              f"{peaks[L, j] / np.median(np.abs(products[L])):.0f} times the layer's median.")
    if L == best[0]:
        return Feedback(False, f"Right layer; unit {j} peaks at {peaks[L, j]:.3g}. Take the argmax over units of "
                               "the largest |product| over tokens, not the token's index.")
    return Feedback(False, f"Unit {j} of layer {L} peaks at {peaks[L, j]:.3g}. Search every layer: for each, "
                           "np.abs(product).max(axis=0), then the largest of all.")


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
