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
    x, Q, lam, vecs, followed = _setup()
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
    _, Q, lam, vecs, _ = _setup()
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
# (how to write these: glulib/exercises/_feedback.py, point 6). With NumPy and SciPy on the same
# saved model, not through glulib.bilinear's eigen or microscope.auc.

def _distinct(right, wrong):
    """The wrong answers that differ from the right one (a shortcut can land on it by chance)."""
    return {k: v for k, v in wrong.items() if any(np.any(np.asarray(v[p]) != np.asarray(right[p])) for p in v)}


def _one_unit_answers():
    w, v, c = ONE_UNIT_W, ONE_UNIT_V, ONE_UNIT_C
    wv, nn = float(w @ v), float(np.linalg.norm(w) * np.linalg.norm(v))
    larger, smaller = c * (wv + nn) / 2, c * (wv - nn) / 2  # the symmetric part's two nonzero eigenvalues
    return {"larger": larger, "smaller": smaller}, {
        "swapped": {"larger": smaller, "smaller": larger},
        "without the 1/2": {"larger": 2 * larger, "smaller": 2 * smaller},
        "without c": {"larger": larger / c, "smaller": smaller / c},
        "the same sign twice": {"smaller": -smaller},
        "c w.v alone": {"larger": c * wv, "smaller": 0.0},
    }


def _best_eigenvector_answers():
    from scipy.stats import rankdata

    x, Q, _, _, followed = _setup()
    lam, vecs = np.linalg.eigh(Q)  # ascending
    order = np.argsort(-np.abs(lam))  # the order glulib.bilinear.eigen documents: largest |eigenvalue| first
    lam, vecs = lam[order], vecs[:, order]
    terms = lam[:TOP] * (x @ vecs[:, :TOP]) ** 2  # (n, TOP)
    n_pos, n_neg = int(followed.sum()), int((~followed).sum())
    ranks = rankdata(terms, axis=0)  # (n, TOP), ties averaged
    auc = (ranks[followed].sum(axis=0) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)  # (TOP,) Mann-Whitney U
    best = int(np.argmax(auc))
    return {"index": best}, _distinct({"index": best}, {
        "the lowest AUC": {"index": int(np.argmin(auc))}, "the first eigenvector": {"index": 0},
        "past the first TOP": {"index": TOP}, "negative": {"index": -1},
        "the largest eigenvalue's, counted from 1": {"index": best + 1 if best + 1 < TOP else best - 1},
    })


def _design_input_answers():
    _, Q, _, _, _ = _setup()
    lam, vecs = np.linalg.eigh(Q)  # ascending: the first is the most negative
    d = Q.shape[0]
    return {"x": vecs[:, 0]}, {
        "the largest eigenvalue's eigenvector": {"x": vecs[:, -1]},
        "the eigenvalue nearest 0": {"x": vecs[:, int(np.argmin(np.abs(lam)))]},
        "all ones": {"x": np.ones(d) / np.sqrt(d)},
        "all zeros": {"x": np.zeros(d)},
        "one number short": {"x": vecs[:-1, 0]},
    }


#: Checker name -> a function giving (right answer, {label: what a wrong answer changes}).
ANSWERS = frozen({"check_one_unit": _one_unit_answers, "check_best_eigenvector": _best_eigenvector_answers,
                  "check_design_input": _design_input_answers})
#: Arguments the notebook passes rather than the learner, per checker.
CONTEXT = frozen({})
