"""Checkers for notebook 10 (a real SwiGLU). Every right answer is computed from the model file
(``glulib.llama``) or from first principles, never typed in."""

from functools import cache

import numpy as np

from .. import llama
from ..feedforward import matched_d_ff
from ..recording import FFNRecord
from ._feedback import Feedback, call, checker, frozen, integer, result_array, worst

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


# ---- for the tests: each checker's right answer and the plausible wrong answers a learner gives ----
# (how to write these: glulib/exercises/_feedback.py, point 6)

def _distinct(right, wrong):
    """The wrong answers that differ from the right one (a shortcut can land on it by chance)."""
    return {k: v for k, v in wrong.items() if any(v[p] is not right[p] and v[p] != right[p] for p in v)}


def _d_ff_answers():
    c = _model().config
    return {"d_ff": c.d_ff}, _distinct({"d_ff": c.d_ff}, {
        "ungated 4 d_model": {"d_ff": 4 * c.d_model}, "2/3 of d_model": {"d_ff": (2 * c.d_model) // 3},
        "d_model": {"d_ff": c.d_model}, "8/3 d_model rounded up to a multiple of 256": {"d_ff": -(-8 * c.d_model // 768) * 256}})


def _massive_answers():
    prod, opening, value = snippet_products()  # (n_layers, T, d_ff)
    best = np.unravel_index(int(np.argmax(prod)), prod.shape)
    by_value = np.unravel_index(int(np.argmax(value)), value.shape)
    by_opening = np.unravel_index(int(np.argmax(opening)), opening.shape)
    right = {"layer": int(best[0]), "unit": int(best[2])}
    return right, _distinct(right, {
        "the largest value": {"layer": int(by_value[0]), "unit": int(by_value[2])},
        "the largest opening": {"layer": int(by_opening[0]), "unit": int(by_opening[2])},
        "the next layer": {"layer": (int(best[0]) + 1) % prod.shape[0]},
        "past the last unit": {"unit": prod.shape[2]}, "a negative layer": {"layer": -1},
    })


def _fixed_count(product, share):  # keeps a fixed share of the entries, not of the mass
    k = max(1, round(share * product.shape[1]))
    threshold = -np.sort(-np.abs(product), axis=1)[:, k - 1:k]  # (T, 1)
    return np.where(np.abs(product) >= threshold, product, 0.0)


def _one_too_few(product, share):
    out = keep_mass(product, share)
    for row in out:
        kept = np.flatnonzero(row)
        if kept.size > 1:
            row[kept[np.argmin(np.abs(row[kept]))]] = 0.0
    return out


def _keep_mass_answers():
    return {"fn": keep_mass}, {
        "a fixed share of the entries": {"fn": _fixed_count},
        "one entry too few": {"fn": _one_too_few},
        "absolute values returned": {"fn": lambda p, s: np.abs(keep_mass(p, s))},
        "nothing removed": {"fn": lambda p, s: p.copy()},
        "the dropped ones kept": {"fn": lambda p, s: p - keep_mass(p, s)},
    }


#: Checker name -> a function giving (right answer, {label: what a wrong answer changes}).
ANSWERS = frozen({"check_d_ff": _d_ff_answers, "check_massive": _massive_answers,
                  "check_keep_mass": _keep_mass_answers})
#: Arguments the notebook passes rather than the learner, per checker.
CONTEXT = frozen({})
