"""Checkers for notebook 12 (a Bilinear layer read from its weights). Each computes its right answer
with glulib.bilinear from the saved Bilinear model or the exercise's own small arrays, never from a
typed number."""

from functools import cache

import numpy as np

from .. import bilinear, checkpoints, microscope, textdata
from ._feedback import Feedback, checker, close, frozen, integer, number, numbers

#: Exercise 1: one unit's gate weights w, value weights v and its W2 weight c along the direction.
ONE_UNIT_W = frozen(np.array([1.0, 2.0, 0.0]))
ONE_UNIT_V = frozen(np.array([2.0, 0.0, 1.0]))
ONE_UNIT_C = 0.5
#: Exercises 2 and 3: the layer and the character whose logit direction is read (the notebook
#: itself reads the line break's).
LAYER = 1
CHARACTER = " "
#: Exercise 2: how many of the top eigenvectors to search.
TOP = 10


def _one_unit_eigenvalues():
    Q = bilinear.quadratic_form(ONE_UNIT_W[:, None], ONE_UNIT_V[:, None], np.array([[ONE_UNIT_C, 0.0, 0.0]]),
                                np.array([1.0, 0.0, 0.0]))
    lam, _ = bilinear.eigen(Q)
    return np.sort(lam[np.abs(lam) > 1e-12])[::-1]  # the two nonzero ones, larger first


@cache
def _setup():
    params, config = checkpoints.load_model("bilinear")
    corpus = textdata.load_corpus()
    tokens, targets = microscope.passage(corpus, microscope.PASSAGE_START, microscope.PASSAGE_WINDOWS, config.seq_len)
    x = bilinear.ffn_inputs(params, config, tokens, LAYER)  # (n, d_model)
    u = bilinear.readout_directions(params)[corpus.encode(CHARACTER)[0]]  # (d_model,)
    Q = bilinear.quadratic_form(*(params[f"{LAYER}.ffn.{k}"] for k in ("W", "V", "W2")), u)
    lam, vecs = bilinear.eigen(Q)
    followed = targets.reshape(-1) == corpus.encode(CHARACTER)[0]  # (n,): the next character is CHARACTER
    return x, Q, lam, vecs, followed


@checker
def check_one_unit(larger, smaller):
    """Exercise 1: the two nonzero eigenvalues of one unit's quadratic form c (w v^T + v w^T) / 2."""
    a, b = number(larger, "larger"), number(smaller, "smaller")
    want = _one_unit_eigenvalues()
    if close(a, want[0]) and close(b, want[1]):
        return Feedback(True, f"{want[0]:g} and {want[1]:g}: c (w.v +- |w| |v|) / 2. One positive, one negative "
                              "(unless w and v are parallel): a single unit pushes the output up along (w + v) "
                              "directions and down along (w - v) directions, scaled to unit length.")
    if close(b, want[0]) and close(a, want[1]):
        return Feedback(False, "Both values are right but swapped: give the larger first.")
    w, v, c = ONE_UNIT_W, ONE_UNIT_V, ONE_UNIT_C
    if close(a, c * (w @ v + np.linalg.norm(w) * np.linalg.norm(v))) and close(b, c * (w @ v - np.linalg.norm(w) * np.linalg.norm(v))):
        return Feedback(False, "Those are the eigenvalues of c (w v^T + v w^T), without the 1/2 of the symmetric part.")
    return Feedback(False, "The form is c (w v^T + v w^T) / 2; it acts only in the plane of w and v. Try x = w/|w| + v/|v| "
                           "and x = w/|w| - v/|v|, or compute np.linalg.eigvalsh of the 3 x 3 matrix.")


@checker
def check_best_eigenvector(index):
    """Exercise 2: which of the first TOP eigenvectors' terms best picks out characters followed by CHARACTER."""
    i = integer(index, "index")
    if not 0 <= i < TOP:
        return Feedback(False, f"index must lie in [0, {TOP}): one of the first {TOP} eigenvectors, as eigen orders them.")
    x, _, lam, vecs, followed = _setup()
    terms = lam[:TOP] * (x @ vecs[:, :TOP]) ** 2  # (n, TOP)
    scores = microscope.auc(terms, followed)  # (TOP,)
    best = int(np.argmax(scores))
    if i == best:
        return Feedback(True, f"Eigenvector {i} (eigenvalue {lam[i]:+.3f}): its term alone ranks the characters followed "
                              f"by a space above the rest with AUC {scores[i]:.3f}; the first eigenvector's term reaches "
                              f"{scores[0]:.3f}. The largest eigenvalue is not always the most telling direction on data.")
    if i == int(np.argmin(scores)):
        return Feedback(False, f"That term has the LOWEST AUC ({scores[i]:.3f}): it is largest where a space does NOT "
                               "follow. Take the argmax.")
    return Feedback(False, f"Eigenvector {i}'s term has AUC {scores[i]:.3f}; another does better. Score each of the "
                           f"first {TOP} terms lam_i (x . v_i)^2 with microscope.auc and take the argmax.")


@checker
def check_design_input(x):
    """Exercise 3: a unit-length input that LOWERS CHARACTER's logit through the layer's FFN the most."""
    _, Q, lam, _, _ = _setup()
    d = Q.shape[0]
    z = numbers(x, "x", n=d)
    norm = float(np.linalg.norm(z))
    if not norm > 0:
        return Feedback(False, "x is all zeros: the output along the direction is then 0, neither up nor down.")
    gain = float(z @ Q @ z) / norm ** 2
    low = float(np.min(lam))
    if gain <= 0.99 * low:
        return Feedback(True, f"x^T Q x = {gain:.4f} per unit length, {gain / low:.1%} of the most negative eigenvalue, "
                              "the lowest any unit-length input can reach (and -x does the same: the form is even, so "
                              "an eigenvector's sign means nothing).")
    if gain > 0:
        return Feedback(False, f"Your x RAISES the logit ({gain:+.4f} per unit length). Lowering it needs an eigenvector "
                               "with a negative eigenvalue.")
    return Feedback(False, f"Your x reaches {gain:+.4f} per unit length; the lowest possible is {low:+.4f}. Which "
                           "eigenvector has the most negative eigenvalue?")


# ---- for the tests: each checker's right answer and the plausible wrong answers a learner gives ----
# (how to write these: glulib/exercises/_feedback.py, point 6). Written out with NumPy from the
# weights: the form W diag(W2 u) V^T made symmetric, np.linalg.eigh, and the AUC as a rank sum.

def _form_by_hand():
    params, config = checkpoints.load_model("bilinear")
    corpus = textdata.load_corpus()
    tokens, targets = microscope.passage(corpus, microscope.PASSAGE_START, microscope.PASSAGE_WINDOWS, config.seq_len)
    W, V, W2 = (params[f"{LAYER}.ffn.{k}"].astype(np.float64) for k in ("W", "V", "W2"))
    c = corpus.encode(CHARACTER)[0]
    u = params["norm_f"].astype(np.float64) * params["W_out"][:, c]  # (d,)
    B = (W * (W2 @ u)) @ V.T  # (d, d)
    lam, vecs = np.linalg.eigh((B + B.T) / 2)  # ascending
    order = np.argsort(-np.abs(lam), kind="stable")
    x = bilinear.ffn_inputs(params, config, tokens, LAYER)  # (n, d)
    return x, lam[order], vecs[:, order], targets.reshape(-1) == c


def _rank_auc(score, mask):
    ranks = np.empty(score.size)
    ranks[np.argsort(score, kind="stable")] = np.arange(1, score.size + 1)  # no ties in float scores here
    n1, n0 = mask.sum(), (~mask).sum()
    return (ranks[mask].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


def _one_unit_answers():
    w, v, c = np.asarray(ONE_UNIT_W), np.asarray(ONE_UNIT_V), ONE_UNIT_C
    nw, nv = np.linalg.norm(w), np.linalg.norm(v)
    right = {"larger": c * (w @ v + nw * nv) / 2, "smaller": c * (w @ v - nw * nv) / 2}
    return right, {
        "swapped": {"larger": right["smaller"], "smaller": right["larger"]},
        "without the 1/2": {"larger": 2 * right["larger"], "smaller": 2 * right["smaller"]},
        "w.v alone": {"larger": c * (w @ v), "smaller": 0.0},
        "without c": {"larger": (w @ v + nw * nv) / 2, "smaller": (w @ v - nw * nv) / 2},
    }


def _best_eigenvector_answers():
    x, lam, vecs, followed = _form_by_hand()
    scores = [_rank_auc(lam[i] * (x @ vecs[:, i]) ** 2, followed) for i in range(TOP)]
    want = int(np.argmax(scores))
    wrong = {"the first eigenvector": {"index": 0}, "the lowest AUC": {"index": int(np.argmin(scores))},
             "past the top": {"index": TOP}, "negative": {"index": -1}}
    return {"index": want}, {k: v for k, v in wrong.items() if v["index"] != want}


def _design_input_answers():
    _, lam, vecs, _ = _form_by_hand()
    return {"x": list(vecs[:, int(np.argmin(lam))])}, {
        "the top eigenvector (raises it)": {"x": list(vecs[:, 0])},
        "the largest positive one": {"x": list(vecs[:, int(np.argmax(lam))])},
        "a random direction": {"x": list(np.random.default_rng(0).standard_normal(lam.size))},
        "zeros": {"x": [0.0] * lam.size},
    }


#: Checker name -> a function giving (right answer, {label: what a wrong answer changes}).
ANSWERS = frozen({"check_one_unit": _one_unit_answers, "check_best_eigenvector": _best_eigenvector_answers,
                  "check_design_input": _design_input_answers})
#: Arguments the notebook passes rather than the learner, per checker.
CONTEXT = frozen({})
