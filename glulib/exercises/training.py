"""Checkers for notebook 06 (training the eight FFNs). Each computes the right answer
from glulib (model sizes) or from the committed results, never from a typed number."""

from .. import experiment, model, train
from ._feedback import (
    Feedback,
    NotAnAnswer,
    checker,
    choice,
    choices,
    close,
    frozen,
    integer,
    number,
)


@checker
def check_width_params(answer, vocab_size):
    """Exercise 1: parameters the quick ReLU model loses when d_ff_baseline is halved."""
    got = integer(answer, "your answer")
    vocab = integer(vocab_size, "vocab_size")
    if vocab < 1:
        return Feedback(False, f"vocab_size must be the corpus's vocabulary size (corpus.vocab_size); got {vocab}.")
    q = train.QUICK.model
    full = model.count_params(train.QUICK.replace(variant="relu").model_config(vocab))
    narrow = model.count_params(train.QUICK.replace(variant="relu", d_ff_baseline=q.d_ff_baseline // 2)
                                .model_config(vocab))
    lost = full - narrow
    if got == lost:
        return Feedback(True, f"{lost:,} parameters: two matrices of d_model x d_ff per FFN, "
                              f"{q.n_layers} layers, and d_ff shrank by {q.d_ff_baseline - q.d_ff_baseline // 2}. "
                              f"The model keeps {narrow:,} of {full:,}.")
    if got * q.n_layers == lost:
        return Feedback(False, "That is one layer's loss; the quick model has "
                               f"{q.n_layers} layers, each with its own FFN.")
    if 2 * got == lost:
        return Feedback(False, "That counts one of the FFN's two matrices; W (d_model x d_ff) and W2 "
                               "(d_ff x d_model) both shrink.")
    return Feedback(False, "Count W (d_model x d_ff) and W2 (d_ff x d_model) in each layer's FFN, "
                           "before and after; nothing else in the model depends on d_ff.")


@checker
def check_unmatched(d_ff, ratio):
    """Exercise 2: SwiGLU's d_ff without the 2/3 cut (quick size), and its FFN's size over ReLU's."""
    got_dff, got_ratio = integer(d_ff, "d_ff"), number(ratio, "ratio")
    base = train.QUICK.model.d_ff_baseline
    want_ratio = 3 * base / (2 * base)
    ok_dff = got_dff == base
    ok_ratio = close(got_ratio, want_ratio, rtol=1e-3)
    if ok_dff and ok_ratio:
        return Feedback(True, f"Without the cut SwiGLU keeps d_ff = {base} and has three matrices where ReLU "
                              f"has two: {want_ratio:g} times the FFN parameters. A win for it would then say "
                              "nothing about the gate.")
    if not ok_dff:
        return Feedback(False, f"Without matching, the gated FFN simply uses the baseline width "
                               f"d_ff_baseline = {base}; matched_d_ff is what shrinks it.")
    if close(got_ratio, 1 / want_ratio, rtol=1e-3):
        return Feedback(False, "That is ReLU's size over SwiGLU's; the question asks the other way round.")
    return Feedback(False, "Count matrices of d_model x d_ff: how many does SwiGLU have (W, V, W2), how many ReLU?")


def _summary(results):
    """The summary of ``results`` (the committed results when None). A results file that
    cannot be used is the course's problem, not the learner's: the words say so."""
    try:
        return experiment.summary(experiment.load_results() if results is None else results)
    except experiment.ResultsError as exc:
        raise NotAnAnswer(f"the results this exercise checks against cannot be used ({exc}). "
                          "Your answer was not checked.") from None


@checker
def check_best_variant(answer, results=None):
    """Exercise 3: the variant with the lowest mean held-out loss in the committed results."""
    rows = _summary(results)
    answer = choice(answer, rows, "your prediction")
    best = min(rows, key=lambda v: rows[v]["mean"])
    if answer == best:
        return Feedback(True, f"{rows[best]['label']} has the lowest mean held-out loss here "
                              f"({rows[best]['mean']:.3f}); in the paper's 65k-step column it ranks "
                              f"{rows[best]['paper_rank']}.")
    r = rows[answer]
    return Feedback(False, f"{r['label']} ranks {r['rank']} of {len(rows)} here ({r['mean']:.3f} against the best "
                           f"{rows[best]['mean']:.3f}). A prediction that turns out wrong is worth keeping: "
                           "write down why you expected it.")


@checker
def check_beats_relu(answer, results=None):
    """Exercise 4: the set of variants whose 95 % interval of the paired change lies below zero."""
    rows = _summary(results)
    got = choices(answer, rows, "your list")
    want = {v for v in rows if v != "relu" and rows[v]["delta"] + rows[v]["delta_ci"] < 0}
    if got == want:
        return Feedback(True, f"{len(want)} variant(s) beat ReLU beyond the seed-to-seed noise: the upper end of "
                              "their interval is still below zero.")
    extra, missing = sorted(got - want), sorted(want - got)
    parts = []
    if extra:
        parts.append(f"{', '.join(extra)}: the interval reaches zero or above")
    if missing:
        parts.append(f"missing {', '.join(missing)}")
    return Feedback(False, "; ".join(parts) + ". Read the column 'change vs ReLU (95% CI)': the change plus "
                                               "its half-width must stay below zero.")


def t95(df):
    """Student's t for a two-sided 95 % interval with ``df`` degrees of freedom: the value
    ``experiment.summary`` multiplies by (shown to the learner in exercise 5)."""
    return experiment.t95(df)


def _paired(results, variant):
    """Per-seed held-out losses of ``variant`` and of ReLU, over the seeds both ran: (n,), (n,)."""
    import numpy as np

    loss = {(r["variant"], r["seed"]): r["heldout_loss"] for r in results["runs"]}
    seeds = [s for s in results["seeds"] if (variant, s) in loss and ("relu", s) in loss]
    return np.array([loss[variant, s] for s in seeds]), np.array([loss["relu", s] for s in seeds])


@checker
def check_paired_interval(delta, half_width, results=None):
    """Exercise 5: GLU's paired change against ReLU over the seeds and its 95 % half-width."""
    import math

    got_delta = number(delta, "delta")
    got_half = number(half_width, "half_width")
    results = experiment.load_results() if results is None else results
    glu, relu = _paired(results, "glu")
    d = glu - relu  # (n,) one change per seed
    n = d.size
    want_delta = float(d.mean())
    want_half = t95(n - 1) * float(d.std(ddof=1)) / math.sqrt(n)
    unpaired = t95(n - 1) * math.sqrt(glu.var(ddof=1) / n + relu.var(ddof=1) / n)
    if not close(got_delta, want_delta, rtol=1e-3, atol=1e-5):
        if close(got_delta, -want_delta, rtol=1e-3, atol=1e-5):
            return Feedback(False, "the sign is flipped: the change is GLU's loss minus ReLU's, seed by seed.")
        return Feedback(False, f"delta = {got_delta:g} is not the mean of GLU's loss minus ReLU's over the {n} seeds.")
    if close(got_half, t95(n - 1) * float(d.std(ddof=0)) / math.sqrt(n), rtol=1e-3, atol=1e-6) \
            and not close(got_half, want_half, rtol=1e-3, atol=1e-6):
        return Feedback(False, "that uses the standard deviation with n in the denominator; a sample's uses "
                               "n - 1 (np.std(..., ddof=1)).")
    if close(got_half, unpaired, rtol=1e-3, atol=1e-6):
        return Feedback(False, "that is the unpaired half-width, from the two spreads separately; pair the seeds "
                               "first: one difference per seed, then its spread.")
    if not close(got_half, want_half, rtol=1e-3, atol=1e-6):
        return Feedback(False, f"half_width = {got_half:g}: take t (printed above) times the standard deviation "
                               f"of the {n} differences (ddof=1), divided by the square root of {n}.")
    verdict = "includes zero" if abs(want_delta) <= want_half else "excludes zero"
    return Feedback(True, f"{want_delta:+.4f} +/- {want_half:.4f}: the interval {verdict}. Ignoring the pairing "
                          f"gives +/- {unpaired:.4f}; pairing removes what the two share (the same data order), "
                          f"{'narrowing' if want_half < unpaired else 'not narrowing'} the interval here.")


# ---- for the tests: each checker's right answer and the plausible wrong answers a learner gives ----
# (how to write these: glulib/exercises/_feedback.py, point 6). Counted by hand from the quick
# configuration, and read from the committed results without experiment.summary.

def _width_params_answers():
    from .. import textdata

    q = train.QUICK.model
    lost = q.n_layers * 2 * q.d_model * (q.d_ff_baseline - q.d_ff_baseline // 2)  # W and W2 of each layer
    return {"answer": lost, "vocab_size": textdata.load_corpus().vocab_size}, {
        "one layer's loss": {"answer": lost // q.n_layers},
        "one matrix": {"answer": lost // 2},
        "three matrices, as if gated": {"answer": lost * 3 // 2},
        "a minus sign": {"answer": -lost},
        "the new width's parameters": {"answer": q.n_layers * 2 * q.d_model * (q.d_ff_baseline // 2) + 1},
    }


def _unmatched_answers():
    from ..feedforward import matched_d_ff

    base = train.QUICK.model.d_ff_baseline
    return {"d_ff": base, "ratio": 3 / 2}, {
        "the matched width": {"d_ff": matched_d_ff(base, "swiglu")},
        "ReLU's over SwiGLU's": {"ratio": 2 / 3},
        "ratio 1 (as if matched)": {"ratio": 1.0},
        "three matrices, not a ratio": {"ratio": 3},
        "ratio rounded too early": {"ratio": 2},
    }


def _results_rows():
    """The committed results, and per variant its mean loss and its seed-by-seed changes against ReLU."""
    import numpy as np

    results = experiment.load_results()
    loss = {(r["variant"], r["seed"]): r["heldout_loss"] for r in results["runs"]}
    rows = {}
    for v in results["variants"]:
        seeds = [s for s in results["seeds"] if (v, s) in loss]
        if seeds:
            d = np.array([loss[v, s] - loss["relu", s] for s in seeds if ("relu", s) in loss])  # (n,)
            rows[v] = (float(np.mean([loss[v, s] for s in seeds])), d)
    return results, rows


def _best_variant_answers():
    _, rows = _results_rows()
    order = sorted(rows, key=lambda v: rows[v][0])
    return {"answer": order[0].upper()}, {f"{v}, ranked lower": {"answer": v} for v in order[1:]} | {
        "the label, not the name": {"answer": "the best one"}}


def _beats_relu_answers():
    import math

    _, rows = _results_rows()
    want = sorted(v for v, (_, d) in rows.items() if v != "relu" and d.size > 1
                  and d.mean() + t95(d.size - 1) * d.std(ddof=1) / math.sqrt(d.size) < 0)
    lower = sorted(v for v, (_, d) in rows.items() if v != "relu" and d.size and d.mean() < 0)
    wrong = {"every variant": {"answer": sorted(rows)}, "with relu itself": {"answer": want + ["relu"]},
             "the names as one text": {"answer": ", ".join(want) or "none"}}
    if want:
        wrong |= {"none": {"answer": []}, "one missing": {"answer": want[1:]}}
    if lower != want:
        wrong["a lower mean, interval ignored"] = {"answer": lower}
    others = [v for v in rows if v not in want and v != "relu"]
    if others:
        wrong["one too many"] = {"answer": want + others[:1]}
    return {"answer": want}, wrong


def _paired_interval_answers():
    import math

    import numpy as np

    results, rows = _results_rows()
    d = rows["glu"][1]
    n = d.size
    t = t95(n - 1)
    half = t * d.std(ddof=1) / math.sqrt(n)
    loss = {(r["variant"], r["seed"]): r["heldout_loss"] for r in results["runs"]}
    seeds = [s for s in results["seeds"] if ("glu", s) in loss and ("relu", s) in loss]
    glu, relu = np.array([loss["glu", s] for s in seeds]), np.array([loss["relu", s] for s in seeds])  # (n,) each
    unpaired = t * math.sqrt(glu.var(ddof=1) / n + relu.var(ddof=1) / n)
    return {"delta": d.mean(), "half_width": half, "results": results}, {
        "sign flipped": {"delta": -d.mean()},
        "ddof=0": {"half_width": t * d.std(ddof=0) / math.sqrt(n)},
        "unpaired": {"half_width": unpaired},
        "no square root of n": {"half_width": t * d.std(ddof=1)},
        "1.96 for t": {"half_width": 1.96 * d.std(ddof=1) / math.sqrt(n)},
        "the standard error alone": {"half_width": d.std(ddof=1) / math.sqrt(n)},
    }


#: Checker name -> a function giving (right answer, {label: what a wrong answer changes}).
ANSWERS = frozen({"check_width_params": _width_params_answers, "check_unmatched": _unmatched_answers,
           "check_best_variant": _best_variant_answers, "check_beats_relu": _beats_relu_answers,
           "check_paired_interval": _paired_interval_answers})
#: Arguments the notebook passes rather than the learner, per checker.
CONTEXT = frozen({"check_width_params": {"vocab_size"}, "check_paired_interval": {"results"}})
