"""Checkers for notebook 08, inside the kernels."""

import dis

import numpy as np

from .. import costs as _costs
from .. import glu
from ..kernelstudy import fused_traffic
from ._feedback import (
    Feedback,
    NotAnAnswer,
    _python_version,
    call,
    checker,
    frozen,
    integer,
    shown,
    worst,
)

#: Exercise 1: a fused forward plus backward on this many elements of this dtype.
N_ELEMENTS = 1 << 20
DTYPE = "float64"
#: Exercise 2: the FFNs of a LLaMA-7B-sized model (32 layers, d_model 4096, d_ff 11008), in
#: bfloat16 (2 bytes a number), with this many GiB left for what the forward keeps.
MEMORY_CASE = frozen({"layers": 32, "d_model": 4096, "d_ff": 11008, "variant": "swiglu", "bytes_per_element": 2,
                      "budget_gib": 24})
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


def _has_loop(fn):
    """True when the Python code of ``fn`` holds a loop (a jump back in its bytecode)."""
    for ins in dis.get_instructions(fn):
        if ins.opname == "FOR_ITER" or ("JUMP" in ins.opname and isinstance(ins.argval, int)
                                        and ins.argval < ins.offset):
            return True
    return False


@checker
def check_reglu_kernel(kernel):
    """Exercise 3: ``kernel(value, gate, out)``, a Numba-compiled loop, writes value * max(gate, 0)
    into out, NaN kept."""
    python = _python_version(kernel)
    if kernel is not None and callable(kernel) and python is None:
        return Feedback(False, "my_reglu is not compiled: put @numba.njit on the line above its def. The exercise "
                               "is one compiled loop; NumPy's value * np.maximum(gate, 0) makes a temporary array "
                               "and passes over memory more than once.")
    if python is not None and not _has_loop(python):
        return Feedback(False, "my_reglu has no loop: write `for i in range(value.size):` and compute out[i] "
                               "from value[i] and gate[i], so each element is read once and written once.")
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
    return Feedback(True, "one compiled pass: each element of value and gate is read once and out written once, "
                          "with no temporary array between.")


# ---- for the tests: each checker's right answer and the plausible wrong answers a learner gives ----
# (how to write these: glulib/exercises/_feedback.py, point 6). Counted by hand, not with
# glulib.costs or glulib.kernelstudy.

def _fused_bytes_answers():
    n, item = N_ELEMENTS, np.dtype(DTYPE).itemsize
    right = (3 + 5) * n * item  # forward: value, gate in, out; backward: dout, value, gate in, dvalue, dgate out
    return {"bytes_fused": right}, {
        "the forward alone": {"bytes_fused": 3 * n * item}, "arrays times elements": {"bytes_fused": 8 * n},
        "float32": {"bytes_fused": 8 * n * 4}, "act(gate) stored and read back": {"bytes_fused": 10 * n * item},
        "bits, not bytes": {"bytes_fused": 8 * right}, "the backward alone": {"bytes_fused": 5 * n * item},
    }


def _max_tokens_answers():
    m = MEMORY_CASE
    budget = m["budget_gib"] * 2**30

    def tokens(widths, layers=m["layers"], item=m["bytes_per_element"]):
        return budget // (layers * widths * item)

    d, f = m["d_model"], m["d_ff"]
    store, hidden = tokens(d + 4 * f), tokens(d + 2 * f)  # x, a, u, act(a), h / x, a, u
    first, second = "store_all_tokens", "recompute_hidden_tokens"
    return {first: store, second: hidden}, {
        "rounded up": {first: store + 1},
        "one layer": {first: tokens(d + 4 * f, layers=1), second: tokens(d + 2 * f, layers=1)},
        "float32": {first: tokens(d + 4 * f, item=4), second: tokens(d + 2 * f, item=4)},
        "the two swapped": {first: hidden, second: store},
        "d_model + 3 d_ff": {first: tokens(d + 3 * f)},
        "not rounded": {first: budget / (m["layers"] * (d + 4 * f) * m["bytes_per_element"])},
        "GB, not GiB": {second: m["budget_gib"] * 10**9 // (m["layers"] * (d + 2 * f) * m["bytes_per_element"])},
    }


def _reglu_kernel_answers():
    import numba

    def right(value, gate, out):
        for i in range(value.size):
            g = gate[i]
            out[i] = value[i] * (0.0 if g <= 0 else g)  # NaN <= 0 is False: a NaN gate stays NaN

    def nan_to_zero(value, gate, out):
        for i in range(value.size):
            out[i] = value[i] * (gate[i] if gate[i] > 0 else 0.0)

    def skips_the_last(value, gate, out):
        for i in range(value.size - 1):
            out[i] = value[i] * max(gate[i], 0.0)

    def relu_on_value(value, gate, out):
        for i in range(value.size):
            out[i] = max(value[i], 0.0) * gate[i]

    def negated(value, gate, out):
        for i in range(value.size):
            out[i] = -value[i] * max(gate[i], 0.0)

    def nan_everywhere(value, gate, out):
        for i in range(value.size):
            out[i] = np.nan

    def numpy_in_njit(value, gate, out):  # compiled, but no loop: array expressions
        out[:] = value * np.maximum(gate, 0)

    def plain_numpy(value, gate, out):  # right numbers, NaN kept, but NumPy's temporaries, not one pass
        out[:] = value * np.maximum(gate, 0)

    def plain_python_loop(value, gate, out):  # right numbers, never compiled
        right(value, gate, out)

    def rebinds_out(value, gate, out):
        out = value * np.maximum(gate, 0)  # noqa: F841 - a new array; the caller's out never changes

    def mutates_value(value, gate, out):
        for i in range(value.size):
            if gate[i] <= 0:
                value[i] = 0.0
            out[i] = value[i] * max(gate[i], 0.0)

    compiled = [nan_to_zero, skips_the_last, relu_on_value, negated, nan_everywhere, numpy_in_njit, rebinds_out,
                mutates_value]
    wrong = {f.__name__: {"kernel": numba.njit(f)} for f in compiled}
    wrong |= {f.__name__: {"kernel": f} for f in (plain_numpy, plain_python_loop)}
    return {"kernel": numba.njit(right)}, wrong


#: Checker name -> a function giving (right answer, {label: what a wrong answer changes}).
ANSWERS = frozen({"check_fused_bytes": _fused_bytes_answers, "check_max_tokens": _max_tokens_answers,
           "check_reglu_kernel": _reglu_kernel_answers})
#: Arguments the notebook passes rather than the learner, per checker.
CONTEXT = frozen({})
