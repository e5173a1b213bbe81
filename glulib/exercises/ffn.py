"""Checkers for notebook 05, the GLU inside the Transformer FFN."""

import numpy as np

from .. import costs as _costs
from ..feedforward import ffn, init_ffn, matched_d_ff
from ._feedback import Feedback

#: Exercise 1: LLaMA-13B's d_model; its FFN uses 4 d_model, 2/3, rounded up to 256.
LLAMA13_D_MODEL = 5120
#: Exercise 3: the configuration whose backward memory the learner computes (float32).
MEMORY_CASE = {"d_model": 1024, "d_ff": 2816, "variant": "swiglu", "tokens": 4096}


def check_llama_hidden(d_ff):
    """Exercise 1: the FFN width of a LLaMA model with d_model = LLAMA13_D_MODEL."""
    want = matched_d_ff(4 * LLAMA13_D_MODEL, "swiglu", multiple_of=256)
    raw = int(2 * 4 * LLAMA13_D_MODEL / 3)
    if d_ff == raw:
        return Feedback(False, f"{raw} is 2/3 of 4 d_model before rounding; round it up to a multiple of 256.")
    if d_ff != want:
        return Feedback(False, f"{d_ff} is not it: take 4 d_model, keep 2/3 of it (int), "
                               "round up to a multiple of 256.")
    gated = _costs.ffn_params(LLAMA13_D_MODEL, want, "swiglu")
    relu = _costs.ffn_params(LLAMA13_D_MODEL, 4 * LLAMA13_D_MODEL, "relu")
    return Feedback(True, f"{want}, as in LLaMA-13B; {gated:,} parameters per FFN against {relu:,} "
                          "for the ReLU FFN it replaces.")


def check_ffn_swiglu(my_ffn):
    """Exercise 2: ``my_ffn(x, W, V, W2)`` in plain NumPy equals glulib.ffn(..., "swiglu")."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((7, 12))  # (n, d_model)
    p = init_ffn(12, 20, "swiglu", rng, dtype=np.float64)
    want = ffn(x, p, "swiglu")  # (n, d_model)
    try:
        got = np.asarray(my_ffn(x, p["W"], p["V"], p["W2"]), dtype=np.float64)
    except Exception as exc:  # the learner's code: report, never raise
        return Feedback(False, f"calling your function raised {type(exc).__name__}: {exc}")
    if got.shape != want.shape:
        return Feedback(False, f"the output must be (n, d_model) = {want.shape}; yours is {got.shape}.")
    if np.allclose(got, ffn(x, {"W": p["V"], "V": p["W"], "W2": p["W2"]}, "swiglu"), atol=1e-10):
        return Feedback(False, "W and V are swapped: in Shazeer's letters W feeds Swish, V is the linear branch.")
    err = float(np.max(np.abs(got - want)))
    if err > 1e-10:
        return Feedback(False, f"largest difference from glulib.ffn: {err:.2g}. Swish_1(z) = z sigmoid(z); "
                               "the product happens before W2.")
    return Feedback(True, f"matches glulib.ffn to {err:.1e}.")


def check_memory(store_bytes, recompute_h_bytes):
    """Exercise 3: backward memory of MEMORY_CASE in float32, storing all and recomputing h."""
    c = MEMORY_CASE
    want = [_costs.activation_memory(c["d_model"], c["d_ff"], c["variant"], c["tokens"], s)
            for s in ("store", "recompute_h")]
    got = [store_bytes, recompute_h_bytes]
    names = ["storing x, a, u and h", "recomputing h"]
    for g, w, name in zip(got, want, names):
        if g != w:
            return Feedback(False, f"{name}: you gave {g!r}; count the numbers kept per token (d_model for x, "
                                   "d_ff for each of a, u, h), times tokens, times 4 bytes.")
    return Feedback(True, f"{want[0]:,} and {want[1]:,} bytes: recomputing h saves "
                          f"{1 - want[1] / want[0]:.0%} of the memory for a few elementwise operations.")
