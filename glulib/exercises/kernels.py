"""Checkers for notebook 08, inside the kernels."""

import numpy as np

from .. import costs as _costs
from .. import glu
from ..kernelstudy import fused_traffic
from ._feedback import Feedback, NotAnAnswer, call, checker, integer, shown, worst

#: Exercise 1: a fused forward plus backward on this many elements of this dtype.
N_ELEMENTS = 1 << 20
DTYPE = "float64"
#: Exercise 2: the FFNs of a LLaMA-7B-sized model (32 layers, d_model 4096, d_ff 11008), in
#: bfloat16 (2 bytes a number), with this many GiB left for what the forward keeps.
MEMORY_CASE = {"layers": 32, "d_model": 4096, "d_ff": 11008, "variant": "swiglu", "bytes_per_element": 2,
               "budget_gib": 24}
#: The two strategies of exercise 2 (names as in ``glulib.costs.STRATEGIES``).
MEMORY_STRATEGIES = ("store_all", "recompute_hidden")


@checker
def check_fused_bytes(bytes_fused):
    """Exercise 1: bytes a fused forward plus backward must move for N_ELEMENTS numbers of DTYPE."""
    answer = integer(bytes_fused, "bytes_fused")
    item = np.dtype(DTYPE).itemsize
    expected = fused_traffic(N_ELEMENTS, DTYPE, backward=True)
    if answer == expected:
        return Feedback(True, f"{expected:,} bytes: 3 arrays forward (value, gate in; out) and 5 backward "
                              f"(dout, value, gate in; dvalue, dgate out), {item} bytes a number.")
    if answer == fused_traffic(N_ELEMENTS, DTYPE, backward=False):
        return Feedback(False, "that is the forward alone; add what the backward reads and writes.")
    if answer == 8 * N_ELEMENTS:
        return Feedback(False, f"that counts arrays times elements; each {DTYPE} number is {item} bytes.")
    if answer == 8 * N_ELEMENTS * 4:
        return Feedback(False, f"that is float32; these arrays are {DTYPE}, {item} bytes a number.")
    if answer in (9 * N_ELEMENTS * item, 10 * N_ELEMENTS * item):
        return Feedback(False, "the backward computes act(gate) again from the gate it reads: nothing else "
                               "was stored between the passes, so nothing else is read back.")
    return Feedback(False, "count the arrays each pass reads and writes (the backward reads value and gate "
                           f"again: nothing else was stored), times elements, times {item} bytes.")


def max_tokens(strategy):
    """The most tokens whose kept FFN arrays fit MEMORY_CASE's budget under ``strategy``."""
    m = MEMORY_CASE
    per_token = m["layers"] * _costs.activation_memory(m["d_model"], m["d_ff"], m["variant"], 1, strategy,
                                                        m["bytes_per_element"])
    return (m["budget_gib"] * 2**30) // per_token


@checker
def check_max_tokens(store_all_tokens, recompute_hidden_tokens):
    """Exercise 2: the most tokens in a batch whose FFN activations fit MEMORY_CASE's budget,
    storing everything ("store_all") and recomputing act(a) and h ("recompute_hidden")."""
    got = [integer(store_all_tokens, "store_all_tokens"), integer(recompute_hidden_tokens, "recompute_hidden_tokens")]
    m = MEMORY_CASE
    want = [max_tokens(s) for s in MEMORY_STRATEGIES]
    for g, w, s in zip(got, want, MEMORY_STRATEGIES):
        kept = ", ".join(_costs.kept_arrays(m["variant"], s))
        per_token = m["layers"] * _costs.activation_memory(m["d_model"], m["d_ff"], m["variant"], 1, s,
                                                            m["bytes_per_element"])
        if g == w + 1:
            return Feedback(False, f"{s}: {g:,} tokens need {g * per_token / 2**30:.4f} GiB, just over the budget: "
                                   "round down.")
        if g == w * m["layers"]:
            return Feedback(False, f"{s}: that fits one layer; every one of the {m['layers']} layers keeps its own.")
        if g in (w * m["bytes_per_element"], w // m["bytes_per_element"]):
            return Feedback(False, f"{s}: check the bytes: bfloat16 takes {m['bytes_per_element']} bytes a number.")
        if g != w:
            return Feedback(False, f"{s}: you gave {g:,}. Each token keeps {kept} in every layer: d_model numbers "
                                   f"for x, d_ff for each of the others, {m['bytes_per_element']} bytes each; divide "
                                   f"the budget ({m['budget_gib']} x 2^30 bytes) by that and round down.")
    return Feedback(True, f"{want[0]:,} tokens storing everything, {want[1]:,} recomputing act(a) and h: "
                          f"{want[1] / want[0]:.2f}x the batch (or sequence) for the same memory.")


@checker
def check_reglu_kernel(kernel):
    """Exercise 3: ``kernel(value, gate, out)`` writes value * max(gate, 0) into out, NaN kept."""
    rng = np.random.default_rng(7)
    value = rng.standard_normal(1001)  # (1001,)
    gate = rng.standard_normal(1001)  # (1001,)
    gate[:4] = [np.nan, -0.0, np.inf, -np.inf]
    value[4] = np.nan
    expected = glu(value, gate, "relu")  # (1001,) computed first, from inputs the kernel never sees
    out = np.full_like(value, 12345.0)  # (1001,) a marker: an element never written keeps it
    _, copies = call(kernel, {"value": value, "gate": gate, "out": out}, "my_reglu", writes=("out",))
    got = copies["out"]
    if not isinstance(got, np.ndarray) or got.shape != out.shape:
        raise NotAnAnswer(f"my_reglu replaced out with {shown(got)}; write into out[i] instead.")
    unwritten = np.flatnonzero(got == 12345.0)
    if unwritten.size:
        return Feedback(False, f"out[{int(unwritten[0])}] was never written: loop over every index.")
    numbers = np.flatnonzero(~np.isnan(expected))  # where the answer is a number
    cmp = worst(got[numbers], expected[numbers], rtol=1e-15, atol=0.0)
    if not cmp.ok:
        i = int(numbers[cmp.index[0]])
        return Feedback(False, f"out[{i}] = {cmp.got!r} for value = {value[i]!r}, gate = {gate[i]!r}; expected "
                               f"value * max(gate, 0) = {cmp.want!r}.")
    if not np.isnan(got[0]):
        return Feedback(False, f"gate = NaN gave {got[0]!r}; it must give NaN. `0.0 if g <= 0 else g` keeps NaN "
                               "(NaN <= 0 is False); `g if g > 0 else 0.0` turns it into 0.")
    cmp = worst(got, expected, rtol=1e-15, atol=0.0)
    if not cmp.ok:
        i = cmp.index[0]
        return Feedback(False, f"out[{i}] = {cmp.got!r} for value = {value[i]!r}, gate = {gate[i]!r}; expected "
                               f"value * max(gate, 0) = {cmp.want!r} (NaN in, NaN out).")
    return Feedback(True, "one pass: each element of value and gate is read once and out written once.")
