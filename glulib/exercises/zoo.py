"""Checkers for notebook 02, the gate zoo."""

import numpy as np

from .. import zoo
from ..activations import activate
from ..feedforward import LABELS, VARIANTS
from ._feedback import Feedback, array, checker, choice, close, number, text, worst



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


@checker
def check_letters_swap(W_shazeer, V_shazeer, W_dauphin, V_dauphin):
    """Exercise 4: Shazeer weights that compute the same GLU as Dauphin's (W_dauphin, V_dauphin)."""
    Wd = array(W_dauphin, np.shape(W_dauphin), "W_dauphin")  # (d_in, d_out)
    Vd = array(V_dauphin, Wd.shape, "V_dauphin")  # (d_in, d_out)
    if Wd.ndim != 2 or not Wd.size:
        return Feedback(False, f"W_dauphin must be a matrix (d_in, d_out); it has shape {Wd.shape}.")
    if np.allclose(Wd, Vd):
        return Feedback(False, "W_dauphin and V_dauphin are equal, so any answer would do: use the notebook's pair.")
    Ws = array(W_shazeer, Vd.shape, "W_shazeer (the shape of Dauphin's V)")  # (d_in, d_out)
    Vs = array(V_shazeer, Wd.shape, "V_shazeer (the shape of Dauphin's W)")  # (d_in, d_out)
    x = np.random.default_rng(0).normal(size=(5, Wd.shape[0]))  # (5, d_in)
    zero = np.zeros(Wd.shape[1])  # (d_out,)
    same = worst(zoo.glu_shazeer(x, Ws, Vs, zero, zero), zoo.glu_dauphin(x, Wd, zero, Vd, zero), rtol=1e-6, atol=1e-9)
    if not same.ok:
        return Feedback(False, "the two layers disagree on random input: the gate in Dauphin's letters is V, in "
                               "Shazeer's it is W.")
    return Feedback(True, "Shazeer's W is Dauphin's V and Shazeer's V is Dauphin's W: same function, other letters.")
