"""Checkers for notebook 10 (a real SwiGLU). Every right answer is computed from the model file
(``glulib.llama``) or from first principles, never typed in."""

from functools import cache

import numpy as np

from .. import llama
from ..feedforward import matched_d_ff
from ..recording import FFNRecord
from ._feedback import Feedback, call, checker, integer, result_array, worst

#: The short piece of code the notebook's "find" exercise reads.
SNIPPET = "def mean(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total / len(xs)\n"


@cache
def _model():
    return llama.load()


@cache
def snippet_products():
    llm = _model()
    rec = FFNRecord()
    llm.logits(llm.encode(SNIPPET), record=rec)
    return np.abs(np.stack(rec.product)), np.abs(np.stack(rec.opening)), np.abs(np.stack(rec.value))  # (L, T, d_ff)


@checker
def check_d_ff(d_ff):
    """Exercise 1 (predict): SmolLM2's d_ff from its d_model by notebook 05's 2/3 rule."""
    got = integer(d_ff, "d_ff")
    c = _model().config
    want = c.d_ff
    rule = matched_d_ff(4 * c.d_model, "swiglu")
    if got == want:
        return Feedback(True, f"{want} = 2/3 x 4 x {c.d_model}: the width an ungated FFN of 4 d_model would "
                              f"have, cut to 2/3 so that three matrices cost what two did (the rule gives {rule}).")
    if got == 4 * c.d_model:
        return Feedback(False, f"{got} is 4 x d_model, the width of an ungated FFN; a gated one has three matrices.")
    if got == (2 * c.d_model) // 3:
        return Feedback(False, f"{got} is 2/3 of d_model; the rule takes 2/3 of the ungated width, 4 x d_model.")
    return Feedback(False, f"{got} is not it: start from the ungated width 4 x {c.d_model} and keep 2/3 of it.")


@checker
def check_massive(layer, unit):
    """Exercise 2 (find): the layer and unit of the largest |opening x value| on SNIPPET."""
    L, j = integer(layer, "layer"), integer(unit, "unit")
    prod, opening, value = snippet_products()  # (n_layers, T, d_ff)
    n_layers, _, d_ff = prod.shape
    if not (0 <= L < n_layers and 0 <= j < d_ff):
        return Feedback(False, f"layer must lie in [0, {n_layers}) and unit in [0, {d_ff}); got layer {L}, unit {j}.")
    want_L, _, want_j = np.unravel_index(int(np.argmax(prod)), prod.shape)
    if (L, j) == (want_L, want_j):
        t = int(np.argmax(prod[L, :, j]))
        return Feedback(True, f"layer {L}, unit {j}: |opening x value| = {prod[L, t, j]:.0f} at token {t}, where "
                              f"the layer's median is {np.median(prod[L]):.3f}; its opening there is "
                              f"{opening[L, t, j]:.1f} and its value {value[L, t, j]:.1f}.")
    vL, _, vj = np.unravel_index(int(np.argmax(value)), value.shape)
    oL, _, oj = np.unravel_index(int(np.argmax(opening)), opening.shape)
    if (L, j) == (vL, vj):
        return Feedback(False, "that is where the largest |value| is; the product multiplies it by the opening.")
    if (L, j) == (oL, oj):
        return Feedback(False, "that is where the largest |opening| is; the product multiplies it by the value.")
    if j == want_j:
        return Feedback(False, "the unit is right but not the layer: record every layer and compare their maxima.")
    return Feedback(False, f"at layer {L}, unit {j} the largest |opening x value| is {prod[L, :, j].max():.3g}; "
                           "some unit goes far higher. Stack rec.product, take np.abs, then np.argmax.")


def keep_mass(product, share):
    """The right answer of exercise 3: in each row, the fewest entries of largest |.| whose |.| sums
    to at least ``share`` of the row's total; the rest set to 0."""
    mag = np.abs(product)  # (T, d_ff)
    order = np.argsort(-mag, axis=1, kind="stable")  # (T, d_ff)
    sorted_mag = np.take_along_axis(mag, order, axis=1)  # (T, d_ff)
    before = np.cumsum(sorted_mag, axis=1) - sorted_mag  # (T, d_ff): mass of the larger entries
    keep_sorted = before < share * mag.sum(axis=1, keepdims=True)  # (T, d_ff)
    keep = np.zeros_like(keep_sorted)
    np.put_along_axis(keep, order, keep_sorted, axis=1)
    return np.where(keep, product, 0.0)


@checker
def check_keep_mass(fn):
    """Exercise 3 (design): fn(product, share) keeps, in each row, the fewest largest-|.| entries
    holding ``share`` of the row's total |product|, and sets the rest to 0."""
    rng = np.random.default_rng(10)
    product = rng.standard_t(2, size=(6, 48))  # (T, d_ff): heavy tails, as the real products
    product[2, :5] = [40.0, -30.0, 1.0, 0.5, 0.25]
    for share in (0.5, 0.9):
        want = keep_mass(product, share)
        result, _ = call(fn, {"product": product, "share": share}, "keep_mass")
        got = result_array(result, product.shape, "keep_mass(product, share)")
        c = worst(got, want, rtol=1e-12, atol=1e-12)
        if not c.ok:
            row = c.index[0]
            kept, needed = int(np.count_nonzero(got[row])), int(np.count_nonzero(want[row]))
            return Feedback(False, f"with share {share}, row {row} keeps {kept} entries where {needed} are needed "
                                   f"(first difference at {c.index}: {c.got:g} instead of {c.want:g}). Sort each "
                                   "row by |product|, accumulate, and keep entries until the mass reaches the share.")
    return Feedback(True, "each row keeps just enough of its largest products. With heavy tails, a few units carry "
                          "most of the mass: pass this function to llm.logits(ids, edit_product=lambda i, p: "
                          "keep_mass(p, 0.9)) and compare the loss with keeping a fixed k% per token.")
