"""Checkers for notebook 05, the GLU inside the Transformer FFN."""

import numpy as np

from .. import costs as _costs
from ..elementwise import activate
from ..feedforward import ffn, init_ffn, matched_d_ff
from ._feedback import (
    Feedback,
    NotAnAnswer,
    call,
    checker,
    choice,
    frozen,
    integer,
    result_array,
    shown,
    worst,
)

#: Exercise 1: LLaMA-13B's d_model; its FFN uses 4 d_model, 2/3, rounded up to 256.
LLAMA13_D_MODEL = 5120
#: Exercise 3: the configuration whose backward memory the learner computes (float32).
MEMORY_CASE = frozen({"d_model": 1024, "d_ff": 2816, "variant": "swiglu", "tokens": 4096})


@checker
def check_llama_hidden(d_ff):
    """Exercise 1: the FFN width of a LLaMA model with d_model = LLAMA13_D_MODEL."""
    got = integer(d_ff, "d_ff")
    want = matched_d_ff(4 * LLAMA13_D_MODEL, "swiglu", multiple_of=256)
    raw = int(2 * 4 * LLAMA13_D_MODEL / 3)
    if got == raw:
        return Feedback(False, f"{raw} is 2/3 of 4 d_model before rounding; round it up to a multiple of 256.")
    if got == 256 * (raw // 256):
        return Feedback(False, f"{got} rounds 2/3 of 4 d_model down; LLaMA rounds up to the next multiple of 256.")
    if got == 4 * LLAMA13_D_MODEL:
        return Feedback(False, f"{got} is the ReLU FFN's 4 d_model; the gated FFN keeps 2/3 of it.")
    if got != want:
        return Feedback(False, f"{got} is not it: take 4 d_model, keep 2/3 of it (int), "
                               "round up to a multiple of 256.")
    gated = _costs.ffn_params(LLAMA13_D_MODEL, want, "swiglu")
    relu = _costs.ffn_params(LLAMA13_D_MODEL, 4 * LLAMA13_D_MODEL, "relu")
    return Feedback(True, f"{want}, as in LLaMA-13B; {gated:,} parameters per FFN against {relu:,} "
                          "for the ReLU FFN it replaces.")


@checker
def check_ffn_swiglu(my_ffn):
    """Exercise 2: ``my_ffn(x, W, V, W2)`` in plain NumPy equals glulib.ffn(..., "swiglu")."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((7, 12))  # (n, d_model)
    p = init_ffn(12, 20, "swiglu", rng, dtype=np.float64)
    want = ffn(x, p, "swiglu")  # (n, d_model) computed first, from inputs my_ffn never sees
    result, _ = call(my_ffn, {"x": x, "W": p["W"], "V": p["V"], "W2": p["W2"]}, "my_ffn")
    got = result_array(result, want.shape, "what my_ffn returned (n, d_model)")  # (n, d_model)
    swapped = ffn(x, {"W": p["V"], "V": p["W"], "W2": p["W2"]}, "swiglu")  # (n, d_model)
    if worst(got, swapped, rtol=1e-9, atol=1e-10).ok:
        return Feedback(False, "W and V are swapped: in Shazeer's letters W feeds Swish, V is the linear branch.")
    c = worst(got, want, rtol=1e-9, atol=1e-10)
    if not c.ok:
        return Feedback(False, f"at row {c.index[0]}, column {c.index[1]} your output is {c.got:.6g} and glulib.ffn "
                               f"gives {c.want:.6g} (the largest difference). Swish_1(z) = z sigmoid(z); "
                               "the product happens before W2.")
    err = float(np.max(np.abs(got - want)))
    return Feedback(True, f"matches glulib.ffn to {err:.1e} at every one of its {want.size} outputs.")


@checker
def check_memory(store_all_bytes, recompute_hidden_bytes):
    """Exercise 3: backward memory of MEMORY_CASE in float32, storing everything the backward
    reads ("store_all") and recomputing act(a) and h ("recompute_hidden")."""
    got = [integer(store_all_bytes, "store_3"), integer(recompute_hidden_bytes, "recompute_hidden_3")]
    c = MEMORY_CASE
    strategies = ("store_all", "recompute_hidden")
    want = [_costs.activation_memory(c["d_model"], c["d_ff"], c["variant"], c["tokens"], s) for s in strategies]
    for g, w, s in zip(got, want, strategies):
        kept = ", ".join(_costs.kept_arrays(c["variant"], s))
        if g == w // 4:
            return Feedback(False, f"{s}: {g:,} is the count of numbers; each float32 number takes 4 bytes.")
        if g != w:
            return Feedback(False, f"{s}: you gave {g:,}. The forward keeps {kept} for each token: d_model "
                                   "numbers for x and d_ff for each of the others, times tokens, times 4 bytes.")
    return Feedback(True, f"{want[0]:,} and {want[1]:,} bytes: recomputing act(a) and h saves "
                          f"{1 - want[1] / want[0]:.0%} of the memory for a few elementwise operations.")


#: Exercise 4: the fused layouts the learner splits into glulib's (W, V); each maps to
#: (the glulib variant it equals, which half of the fused matrix is gated).
FUSED_LAYOUTS = frozen({"F.glu": ("glu", "second"), "Phi-3": ("swiglu", "first"), "ModernBERT": ("geglu", "first")})
#: Exercise 5: the ReLU FFN whose parameters are the budget, and the width's required multiple.
BUDGET_CASE = frozen({"d_model": 1024, "d_ff_relu": 4096, "multiple_of": 128})


def _fused_reference(library, t, d_ff):
    """What each library computes from the fused product t = x @ M, in NumPy (before W2)."""
    first, second = t[:, :d_ff], t[:, d_ff:]  # (n, d_ff) each
    if library == "F.glu":  # a, b = chunk(2); a * sigmoid(b)
        return first / (1 + np.exp(-second))
    if library == "Phi-3":  # gate, up = chunk(2); up * silu(gate)
        return second * first / (1 + np.exp(-first))
    return activate(first, "gelu") * second  # ModernBERT: input, gate = chunk(2); act(input) * gate


@checker
def check_split(library, split):
    """Exercise 4: ``split(M)`` returns glulib's (W, V) for a fused weight M laid out as ``library``."""
    library = choice(library, FUSED_LAYOUTS, "the library")
    variant, gated_half = FUSED_LAYOUTS[library]
    rng = np.random.default_rng(13)
    d_model, d_ff, n = 6, 5, 4
    M = rng.standard_normal((d_model, 2 * d_ff))  # (d_model, 2 d_ff) the fused weight, as x @ M
    W2 = rng.standard_normal((d_ff, d_model))  # (d_ff, d_model)
    x = rng.standard_normal((n, d_model))  # (n, d_model)
    want = _fused_reference(library, x @ M, d_ff) @ W2  # (n, d_model)
    result, _ = call(split, {"M": M}, "split")
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise NotAnAnswer(f"split must return two arrays, (W, V); it returned {shown(result)}.")
    W = result_array(result[0], (d_model, d_ff), "the W that split returned")
    V = result_array(result[1], (d_model, d_ff), "the V that split returned")
    got = ffn(x, {"W": W, "V": V, "W2": W2}, variant)  # (n, d_model)
    if worst(got, want, rtol=1e-9, atol=1e-12).ok:
        return Feedback(True, f"{library} gates the {gated_half} half: W is that half, V the other, "
                              f"and glulib.ffn(..., {variant!r}) computes what {library} computes.")
    swapped = ffn(x, {"W": V, "V": W, "W2": W2}, variant)  # (n, d_model)
    if worst(swapped, want, rtol=1e-9, atol=1e-12).ok:
        hint = {"F.glu": "F.glu multiplies the first half by sigmoid of the second: the second is gated.",
                "Phi-3": "Phi-3 writes `gate, up = ...chunk(2)` and `up * act(gate)`: the first half is gated.",
                "ModernBERT": "ModernBERT writes `input, gate = ...chunk(2)` and `act(input) * gate`: the "
                              "half it calls gate is the linear one, the first half is activated."}[library]
        return Feedback(False, f"W and V are the wrong way round. {hint}")
    return Feedback(False, f"glulib.ffn with your W and V does not compute what {library} computes: W must be "
                           "the half that goes through the activation and V the other half, each "
                           "(d_model, d_ff), columns in their original order.")


@checker
def check_budget_width(d_ff):
    """Exercise 5: the widest SwiGLU d_ff, a multiple of BUDGET_CASE's, within the ReLU FFN's parameters."""
    got = integer(d_ff, "d_ff_budget")
    b = BUDGET_CASE
    budget = _costs.ffn_params(b["d_model"], b["d_ff_relu"], "relu")
    step = b["multiple_of"]
    want = step * ((2 * b["d_ff_relu"] // 3) // step)
    if got < 1:
        return Feedback(False, f"a width is a positive whole number; you gave {got}.")
    spent = _costs.ffn_params(b["d_model"], got, "swiglu")
    if spent > budget:
        return Feedback(False, f"d_ff = {got} spends {spent:,} parameters, {spent - budget:,} over the budget of "
                               f"{budget:,}. Rounding 2/3 of the ReLU width up (as LLaMA does) overshoots; "
                               "round down.")
    if got % step:
        return Feedback(False, f"{got} fits the budget but is not a multiple of {step}.")
    if got != want:
        return Feedback(False, f"{got} fits, but a wider multiple of {step} fits too: go up to 2/3 of the "
                               "ReLU width, then down to the multiple.")
    return Feedback(True, f"d_ff = {want}: {spent:,} of the {budget:,} parameters, {budget - spent:,} left over; "
                          f"the next multiple, {want + step}, would overshoot. matched_d_ff with "
                          f"multiple_of={step} gives {matched_d_ff(b['d_ff_relu'], 'swiglu', multiple_of=step)}, "
                          "rounded up.")


# ---- for the tests: each checker's right answer and the plausible wrong answers a learner gives ----
# (how to write these: glulib/exercises/_feedback.py, point 6). Counted by hand, not with glulib.costs.

def _llama_hidden_answers():
    d = LLAMA13_D_MODEL
    raw = 2 * 4 * d // 3
    up = -(-raw // 256) * 256  # rounded up to a multiple of 256
    return {"d_ff": up}, {
        "2/3 of 4 d_model, unrounded": {"d_ff": raw},
        "rounded down": {"d_ff": raw // 256 * 256},
        "the ReLU width 4 d_model": {"d_ff": 4 * d},
        "8 d_model / 3 as a float": {"d_ff": 8 * d / 3},
        "one multiple too far": {"d_ff": up + 256},
        "rounded to a multiple of 128": {"d_ff": -(-raw // 128) * 128},
    }


def _swiglu_numpy(x, W, V, W2):
    a = x @ W  # (n, d_ff)
    return (a / (1 + np.exp(-a)) * (x @ V)) @ W2  # (n, d_model)


def _ffn_swiglu_answers():
    def swapped(x, W, V, W2):
        return _swiglu_numpy(x, V, W, W2)

    def project_first(x, W, V, W2):
        a = x @ W
        return ((a / (1 + np.exp(-a))) @ W2) * ((x @ V) @ W2)

    def relu_gate(x, W, V, W2):
        return (np.maximum(x @ W, 0) * (x @ V)) @ W2

    def sigmoid_gate(x, W, V, W2):
        return (1 / (1 + np.exp(-(x @ W))) * (x @ V)) @ W2

    def clipped(x, W, V, W2):  # right wherever |x W| < 1.5, wrong beyond
        a = x @ W
        return (a / (1 + np.exp(-np.clip(a, -1.5, 1.5))) * (x @ V)) @ W2

    def mutates_x_first(x, W, V, W2):
        x[...] = 0
        return _swiglu_numpy(x, W, V, W2)

    def mutates_x_after(x, W, V, W2):
        y = _swiglu_numpy(x, W, V, W2)
        x *= 2
        return y

    def no_W2(x, W, V, W2):
        a = x @ W
        return a / (1 + np.exp(-a)) * (x @ V)

    fns = [swapped, project_first, relu_gate, sigmoid_gate, clipped, mutates_x_first, mutates_x_after, no_W2]
    return {"my_ffn": _swiglu_numpy}, {f.__name__: {"my_ffn": f} for f in fns}


def _memory_answers():
    c = MEMORY_CASE
    t, d, f = c["tokens"], c["d_model"], c["d_ff"]
    store, hidden = t * (d + 4 * f) * 4, t * (d + 2 * f) * 4  # x, a, u, act(a), h / x, a, u; float32
    first, second = "store_all_bytes", "recompute_hidden_bytes"
    return {first: store, second: hidden}, {
        "d_model + 3 d_ff (act(a) forgotten)": {first: t * (d + 3 * f) * 4},
        "numbers, not bytes": {first: store // 4, second: hidden // 4},
        "2 bytes a number": {first: store // 2, second: hidden // 2},
        "the two swapped": {first: hidden, second: store},
        "x forgotten": {first: t * 4 * f * 4},
        "recompute keeps h too": {second: t * (d + 3 * f) * 4},
        "per token": {first: store // t, second: hidden // t},
    }


def _split_answers():
    def phi3(M):  # gate, up = chunk(2): the first half is gated
        d_ff = M.shape[1] // 2
        return M[:, :d_ff], M[:, d_ff:]

    def swapped(M):
        return phi3(M)[::-1]

    def interleaved(M):
        return M[:, ::2], M[:, 1::2]

    def transposed(M):
        return tuple(m.T for m in phi3(M))

    def one_array(M):
        return M

    def mutates(M):
        W, V = phi3(M.copy())
        M[...] = 0
        return W, V

    fns = [swapped, interleaved, transposed, one_array, mutates]
    return {"library": "Phi-3", "split": phi3}, {f.__name__: {"split": f} for f in fns}


def _budget_width_answers():
    b = BUDGET_CASE
    d, step = b["d_model"], b["multiple_of"]
    budget = 2 * d * b["d_ff_relu"]  # W and W2 of the ReLU FFN
    best = max(k for k in range(step, 2 * b["d_ff_relu"], step) if 3 * d * k <= budget)
    return {"d_ff": best}, {
        "rounded up": {"d_ff": best + step},
        "2/3 unrounded": {"d_ff": 2 * b["d_ff_relu"] // 3},
        "one multiple short": {"d_ff": best - step},
        "the ReLU width": {"d_ff": b["d_ff_relu"]},
        "as a float with a fraction": {"d_ff": 2 * b["d_ff_relu"] / 3},
    }


#: Checker name -> a function giving (right answer, {label: what a wrong answer changes}).
ANSWERS = frozen({"check_llama_hidden": _llama_hidden_answers, "check_ffn_swiglu": _ffn_swiglu_answers,
           "check_memory": _memory_answers, "check_split": _split_answers, "check_budget_width": _budget_width_answers})
#: Arguments the notebook passes rather than the learner, per checker.
CONTEXT = frozen({"check_split": {"library"}})
