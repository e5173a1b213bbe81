"""Checkers for notebook 06 (training the eight FFNs). Each computes the right answer
from glulib (model sizes) or from the committed results, never from a typed number."""

from .. import experiment, model, train
from ._feedback import Feedback, close


def _count(cfg):
    """Parameters of a model config, without drawing any weights."""
    d, V, T, L = cfg.d_model, cfg.vocab_size, cfg.seq_len, cfg.n_layers
    per_layer = 4 * d * d + 2 * d + model.ffn_param_count(cfg)
    return V * d + T * d + L * per_layer + d + d * V


def check_width_params(answer, vocab_size):
    """Exercise 1: parameters the quick ReLU model loses when d_ff_baseline is halved (192 -> 96)."""
    full = _count(train.QUICK.replace(variant="relu").model_config(vocab_size))
    narrow = _count(train.QUICK.replace(variant="relu", d_ff_baseline=train.QUICK.model.d_ff_baseline // 2)
                    .model_config(vocab_size))
    lost = full - narrow
    if answer is None:
        return Feedback(False, "Replace None with a whole number of parameters.")
    if close(answer, lost, rtol=0, atol=0.5):
        return Feedback(True, f"{lost:,} parameters: two matrices of d_model x d_ff per FFN, "
                              f"{train.QUICK.model.n_layers} layers, and d_ff shrank by {train.QUICK.model.d_ff_baseline // 2}. "
                              f"The model keeps {narrow:,} of {full:,}.")
    if close(answer, lost / train.QUICK.model.n_layers, rtol=0, atol=0.5):
        return Feedback(False, "That is one layer's loss; the quick model has "
                               f"{train.QUICK.model.n_layers} layers, each with its own FFN.")
    return Feedback(False, "Count W (d_model x d_ff) and W2 (d_ff x d_model) in each layer's FFN, "
                           "before and after; nothing else in the model depends on d_ff.")


def check_unmatched(d_ff, ratio):
    """Exercise 2: SwiGLU's d_ff without the 2/3 cut (quick size), and its FFN's size over ReLU's."""
    base = train.QUICK.model.d_ff_baseline
    want_ratio = 3 * base / (2 * base)
    if d_ff is None or ratio is None:
        return Feedback(False, "Replace both Nones: a width and a ratio.")
    ok_dff = close(d_ff, base, rtol=0, atol=0.5)
    ok_ratio = close(ratio, want_ratio, rtol=1e-3)
    if ok_dff and ok_ratio:
        return Feedback(True, f"Without the cut SwiGLU keeps d_ff = {base} and has three matrices where ReLU "
                              f"has two: {want_ratio:g} times the FFN parameters. A win for it would then say "
                              "nothing about the gate.")
    if not ok_dff:
        return Feedback(False, f"Without matching, the gated FFN simply uses the baseline width "
                               f"d_ff_baseline = {base}; matched_d_ff is what shrinks it.")
    return Feedback(False, "Count matrices of d_model x d_ff: how many does SwiGLU have (W, V, W2), how many ReLU?")


def check_best_variant(answer, results=None):
    """Exercise 3: the variant with the lowest mean held-out loss in the committed results."""
    rows = experiment.summary(results or experiment.load_results())
    best = min(rows, key=lambda v: rows[v]["mean"])
    if answer is None:
        return Feedback(False, "Write your prediction as a name, for example 'swiglu', before you look.")
    answer = str(answer).strip().lower()
    if answer not in rows:
        return Feedback(False, f"Use one of the names {', '.join(rows)}.")
    if answer == best:
        return Feedback(True, f"{rows[best]['label']} has the lowest mean held-out loss here "
                              f"({rows[best]['mean']:.3f}); in the paper's 65k-step column it ranks "
                              f"{rows[best]['paper_rank']}.")
    r = rows[answer]
    return Feedback(False, f"{r['label']} ranks {r['rank']} of {len(rows)} here ({r['mean']:.3f} against the best "
                           f"{rows[best]['mean']:.3f}). A prediction that turns out wrong is worth keeping: "
                           "write down why you expected it.")


def check_beats_relu(answer, results=None):
    """Exercise 4: the set of variants whose 95 % interval of the paired change lies below zero."""
    rows = experiment.summary(results or experiment.load_results())
    want = {v for v in rows if v != "relu" and rows[v]["delta"] + rows[v]["delta_ci"] < 0}
    if answer is None:
        return Feedback(False, "Give a list of names (it may be empty).")
    got = {str(a).strip().lower() for a in answer}
    if got == want:
        return Feedback(True, f"{len(want)} variant(s) beat ReLU beyond the seed-to-seed noise: the upper end of "
                              "their interval is still below zero.")
    extra, missing = sorted(got - want), sorted(want - got)
    parts = []
    if extra:
        parts.append(f"{', '.join(extra)}: the interval reaches zero or above (or the name is not a variant)")
    if missing:
        parts.append(f"missing {', '.join(missing)}")
    return Feedback(False, "; ".join(parts) + ". Read the column 'change vs ReLU (95% CI)': the change plus "
                                               "its half-width must stay below zero.")
