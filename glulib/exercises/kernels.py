"""Checkers for notebook 07, inside the kernels."""

import numpy as np

from .. import glu
from ..kernelstudy import fused_traffic, saved_for_backward, ulp_error
from ._feedback import Feedback, close, unanswered

#: Exercise 1: a fused forward plus backward on this many float32 elements.
N_ELEMENTS = 1 << 20
#: Exercise 2: one LLaMA-7B-sized FFN layer (d_model 4096, d_ff 11008) on 16,384 tokens.
MEMORY_CASE = {"tokens": 16384, "d_model": 4096, "d_ff": 11008, "variant": "swiglu", "dtype": "float32"}



def check_fused_bytes(answer):
    """Exercise 1: bytes a fused forward plus backward must move for N_ELEMENTS float32 values."""
    missing = unanswered(answer)
    if missing is not None:
        return missing
    expected = fused_traffic(N_ELEMENTS, np.float32, backward=True)
    if close(answer, expected, rtol=1e-9, atol=0):
        return Feedback(True, f"{expected:,} bytes: 3 arrays forward (value, gate in; out) and 5 backward "
                              f"(dout, value, gate in; dvalue, dgate out), 4 bytes each.")
    if close(answer, fused_traffic(N_ELEMENTS, np.float32, backward=False), rtol=1e-9, atol=0):
        return Feedback(False, "that is the forward alone; add what the backward reads and writes.")
    if close(answer, 8 * N_ELEMENTS, rtol=1e-9, atol=0):
        return Feedback(False, "that counts arrays times elements; each float32 element is 4 bytes.")
    return Feedback(False, "count the arrays each pass reads and writes (the backward reads value and gate "
                           "again: nothing else was stored), times elements, times 4 bytes.")


def check_saved_bytes(store_all, pre_activations):
    """Exercise 2: bytes MEMORY_CASE keeps for the backward when it stores everything (x, a, u,
    act(a), h) and when it keeps only x and the two pre-activations."""
    missing = unanswered(store_all, pre_activations)
    if missing is not None:
        return missing
    m = MEMORY_CASE
    got = saved_for_backward(m["tokens"], m["d_model"], m["d_ff"], np.dtype(m["dtype"]), m["variant"])
    ok_all = close(store_all, got["store all"], rtol=1e-6, atol=0)
    ok_pre = close(pre_activations, got["pre-activations"], rtol=1e-6, atol=0)
    if ok_all and ok_pre:
        saved = got["store all"] - got["pre-activations"]
        return Feedback(True, f"{got['store all'] / 2**30:.2f} GiB against {got['pre-activations'] / 2**30:.2f} GiB: "
                              f"recomputing act(a) and h saves {saved / 2**30:.2f} GiB per layer.")
    if not ok_all:
        return Feedback(False, "store all: x is tokens x d_model; a, u, act(a) and h are each tokens x d_ff; "
                               "4 bytes per float32.")
    return Feedback(False, "store all is right; pre-activations keeps x, a and u only.")


def check_reglu_kernel(kernel):
    """Exercise 3: ``kernel(value, gate, out)`` writes value * max(gate, 0) into out, NaN kept."""
    rng = np.random.default_rng(7)
    value = rng.standard_normal(1001)
    gate = rng.standard_normal(1001)
    gate[:4] = [np.nan, -0.0, np.inf, -np.inf]
    value[4] = np.nan
    out = np.full_like(value, 12345.0)
    try:
        kernel(value, gate, out)
    except Exception as exc:  # the learner's code: report, do not crash the notebook
        return Feedback(False, f"calling kernel(value, gate, out) raised {type(exc).__name__}: {exc}")
    expected = glu(value, gate, "relu")
    if np.any(out == 12345.0):
        return Feedback(False, "some elements of out were never written: loop over every index.")
    finite = np.isfinite(expected)
    if not np.allclose(out[finite], expected[finite], rtol=1e-15, atol=0):
        i = int(np.flatnonzero(finite)[~np.isclose(out[finite], expected[finite], rtol=1e-15, atol=0)][0])
        return Feedback(False, f"out[{i}] = {out[i]!r}, expected value * max(gate, 0) = {expected[i]!r}.")
    if not np.array_equal(np.isnan(out), np.isnan(expected)):
        return Feedback(False, "NaN handling differs: a NaN gate must give NaN. `0.0 if g <= 0 else g` "
                               "keeps it (NaN <= 0 is False); `g if g > 0 else 0.0` turns it into 0.")
    if not np.allclose(out, expected, rtol=1e-15, atol=0, equal_nan=True):
        i = int(np.flatnonzero(~np.isclose(out, expected, rtol=1e-15, atol=0, equal_nan=True))[0])
        return Feedback(False, f"out[{i}] = {out[i]!r}, expected value * max(gate, 0) = {expected[i]!r}.")
    return Feedback(True, "one pass: each element of value and gate is read once and out written once.")


def check_ulps(answer):
    """Exercise 4: how many float32 ulps lie between 1.0 and float32(1.0000002)?"""
    missing = unanswered(answer)
    if missing is not None:
        return missing
    expected = int(ulp_error(np.float32(1.0000002), 1.0))
    if answer == expected:
        return Feedback(True, f"{expected}: float32 numbers near 1 are 2^-23 = {2.0**-23:.3g} apart, and "
                              f"1.0000002 rounds to 1 + {expected} x 2^-23.")
    return Feedback(False, "near 1, float32 numbers are 2^-23 apart: how many such steps is 0.0000002, "
                           "after rounding 1.0000002 to float32?")
