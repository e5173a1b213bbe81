"""From saved runs to the notebook's table and sentences: paired changes against ReLU with their
Student's t intervals, ranks, the paper's figures beside ours, Kendall's rank correlation, every
pair of FFNs with Holm's correction for testing all 28 (``pairwise``), and ``findings`` and
``pair_findings``, the sentences computed from those numbers (nothing about the outcome is typed in).

The statistics are SciPy's (``scipy.stats``): the t quantile, the paired t-test, Kendall's tau;
Holm's adjustment, which SciPy does not offer, is the five lines of ``holm``.
"""

import math
import numbers
from functools import cache

import numpy as np
from scipy import stats

from .. import model, zoo
from ..feedforward import LABELS
from .results import ResultsError, check_schema, raise_problems


@cache
def paper_table():
    """Shazeer (2020), Table 1, from data/shazeer2020_table1.csv (``glulib.zoo.load_table1``),
    checked and keyed by FFN name: ``(loss at 65,536 steps, its std over four runs, loss at
    524,288 steps)``, held-out log-perplexity."""
    table = zoo.load_table1()
    by_label = {label: name for name, label in LABELS.items()}
    rows = {}
    for i, label in enumerate(table["ffn"]):
        name = by_label.get(label)
        if name not in model.FFN_NAMES or name in rows:
            raise ResultsError(f"paper_table: shazeer2020_table1.csv row {i + 1} names {label!r}; expected each of "
                               f"{[LABELS[v] for v in model.FFN_NAMES]} once")
        figures = tuple(float(table[key][i]) for key in ("short", "short_std", "long"))
        if not all(math.isfinite(x) and x > 0 for x in figures) or figures[1] >= figures[0]:
            raise ResultsError(f"paper_table: shazeer2020_table1.csv row {label}: the figures {figures} must be "
                               "positive numbers, the std below the loss")
        if bool(table["gated"][i]) != (name in model.VARIANTS):
            raise ResultsError(f"paper_table: shazeer2020_table1.csv row {label}: the gated column is wrong")
        rows[name] = figures
    if set(rows) != set(model.FFN_NAMES):
        raise ResultsError(f"paper_table: shazeer2020_table1.csv lacks {sorted(set(model.FFN_NAMES) - set(rows))}")
    return {v: rows[v] for v in model.FFN_NAMES}


def t95(df):
    """Student's t for a two-sided 95 % interval with ``df`` degrees of freedom (inf below 1):
    ``scipy.stats.t.ppf(0.975, df)``."""
    if isinstance(df, bool) or not isinstance(df, numbers.Integral):
        raise TypeError(f"t95: df must be an integer, got {type(df).__name__} {df!r}")
    return float(stats.t.ppf(0.975, int(df))) if df >= 1 else math.inf


def kendall_tau(a, b):
    """Kendall's rank correlation of two orderings of the same names (lists, best first): +1 for
    the same order, -1 for the reverse, (agreeing pairs - disagreeing pairs) / all pairs
    (``scipy.stats.kendalltau`` of the two lists of positions). Orderings have no ties, so
    Stuart's tau-c, asked for here, equals the usual tau-b; SciPy's tau-b divides by a product of
    square roots and returns 0.9999999999999998 for two equal orders, tau-c exactly 1."""
    a, b = list(a), list(b)
    if sorted(a) != sorted(b) or len(set(a)) != len(a) or len(a) < 2:
        raise ValueError(f"kendall_tau: a and b must order the same two or more distinct names, got {a!r} and {b!r}")
    pos = {v: i for i, v in enumerate(b)}
    return float(stats.kendalltau(range(len(a)), [pos[v] for v in a], variant="c").statistic)


def summary(results):
    """Per variant: mean and std (ddof=1) of the held-out loss over seeds, the paired change
    against ReLU with its 95 % confidence interval, the rank, and the paper's figures."""
    raise_problems(check_schema(results), "summary: results")
    paper = paper_table()
    runs = results["runs"]
    loss = {(r["variant"], r["seed"]): r["heldout_loss"] for r in runs}
    variants = [v for v in results["variants"] if any(k[0] == v for k in loss)]
    rows = {}
    for v in variants:
        seeds = [s for s in results["seeds"] if (v, s) in loss]
        x = np.array([loss[v, s] for s in seeds])  # (n_seeds,)
        paired = [s for s in seeds if ("relu", s) in loss]
        d = np.array([loss[v, s] - loss["relu", s] for s in paired])  # (n_paired,)
        half = t95(d.size - 1) * d.std(ddof=1) / math.sqrt(d.size) if d.size > 1 else math.inf
        p65, p65_std, p524 = paper[v]
        rows[v] = {"label": LABELS[v], "n": int(x.size), "mean": float(x.mean()),
                   "std": float(x.std(ddof=1)) if x.size > 1 else float("nan"),
                   "delta": float(d.mean()) if d.size else float("nan"), "delta_ci": float(half),
                   "paper": p65, "paper_std": p65_std, "paper_delta": p65 - paper["relu"][0],
                   "paper_long": p524, "n_params": next(r["n_params"] for r in runs if r["variant"] == v)}
    for key, rank_key in (("mean", "rank"), ("paper", "paper_rank")):
        for i, v in enumerate(sorted(rows, key=lambda v: rows[v][key])):
            rows[v][rank_key] = i + 1
    return rows


def table_markdown(rows):
    """The summary as a Markdown table, ours beside the paper's 65k-step column."""
    head = ("| FFN | ours: held-out loss (std) | change vs ReLU (95% CI) | our rank | "
            "paper: 65k steps (std) | paper change vs ReLU | paper rank |\n|---|---|---|---|---|---|---|")
    lines = [head]
    for v, r in rows.items():
        change = "-" if v == "relu" else f"{r['delta']:+.3f} (+/- {r['delta_ci']:.3f})"
        paper_change = "-" if v == "relu" else f"{r['paper_delta']:+.3f}"
        lines.append(f"| {r['label']} | {r['mean']:.3f} ({r['std']:.3f}) | {change} | {r['rank']} | "
                     f"{r['paper']:.3f} ({r['paper_std']:.3f}) | {paper_change} | {r['paper_rank']} |")
    return "\n".join(lines)


def _names(vs, rows):
    labels = [rows[v]["label"] for v in vs]
    if not labels:
        return "none"
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def findings(rows):
    """Plain sentences about the summary: which changes exceed the seed noise, and where the
    small scale and the paper disagree. Computed from the numbers, never typed."""
    others = [v for v in rows if v != "relu"]
    better = [v for v in others if rows[v]["delta"] + rows[v]["delta_ci"] < 0]
    worse = [v for v in others if rows[v]["delta"] - rows[v]["delta_ci"] > 0]
    unclear = [v for v in others if v not in better and v not in worse]
    n = min(r["n"] for r in rows.values())
    out = [f"Over {n} seeds, {len(better)} of the {len(others)} alternatives beat ReLU by more than the "
           f"seed-to-seed noise (95% interval of the paired change below zero): {_names(better, rows)}."]
    if worse:
        out.append(f"Worse than ReLU beyond the noise: {_names(worse, rows)}.")
    if unclear:
        out.append(f"Within the noise of ReLU (interval includes zero): {_names(unclear, rows)}.")
    order = sorted(rows, key=lambda v: rows[v]["mean"])
    paper_order = sorted(rows, key=lambda v: rows[v]["paper"])
    out.append(f"Our order, best first: {_names(order, rows)}; the paper's: {_names(paper_order, rows)}.")
    gated = [v for v in others if v in model.VARIANTS]
    gated_better = [v for v in gated if rows[v]["delta"] < 0]
    out.append(f"In the paper every gated variant beats ReLU; here {len(gated_better)} of {len(gated)} "
               f"have a lower mean ({_names(gated_better, rows)}).")
    disagree = [v for v in others if np.sign(rows[v]["delta"]) != np.sign(rows[v]["paper_delta"])]
    if disagree:
        out.append(f"The sign of the change against ReLU differs from the paper for {_names(disagree, rows)}.")
    spread = max(r["mean"] for r in rows.values()) - min(r["mean"] for r in rows.values())
    stds = [r["std"] for r in rows.values() if math.isfinite(r["std"])]
    noise = f"mean seed std {np.mean(stds):.3f}" if stds else "one seed each: no seed std"
    paper_spread = max(r["paper"] for r in rows.values()) - min(r["paper"] for r in rows.values())
    paper_stds = [r["paper_std"] for r in rows.values()]
    out.append(f"The best and worst variant are {spread:.3f} nats apart ({noise}); "
               f"in the paper {paper_spread:.3f} apart, with stds of {min(paper_stds):.3f} to {max(paper_stds):.3f}.")
    return out




# ---- every pair, with a correction for testing them all ----
def holm(p_values):
    """Holm's step-down adjustment of ``p_values`` for testing them all at once (Holm 1979): sort
    ascending, multiply the i-th smallest (from 0) by (m - i), keep the running maximum, cap at 1.
    A hypothesis is rejected at family-wise level alpha when its adjusted p-value is below alpha."""
    p = np.asarray(p_values, dtype=np.float64)  # (m,)
    if p.ndim != 1 or not np.all((p >= 0) & (p <= 1)):
        raise ValueError(f"holm: p_values must be a list of probabilities in [0, 1], got {p_values!r:.80}")
    order = np.argsort(p, kind="stable")
    scaled = np.maximum.accumulate(p[order] * (p.size - np.arange(p.size)))  # (m,)
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(scaled, 1.0)
    return adjusted


def pairwise(results, variants=None):
    """Every pair of FFNs (28 for eight), compared as the table compares each with ReLU: per seed the
    difference of their held-out losses (first minus second), its mean, the half-width of its 95%
    Student's t interval, the two-sided paired t-test's p-value (below 0.05 exactly when that
    interval excludes zero), and Holm's adjusted p-value over all the pairs (``holm``).
    Returns a list of dicts with the keys a, b, n, delta, half, p, p_holm."""
    raise_problems(check_schema(results), "pairwise: results")
    loss = {(r["variant"], r["seed"]): r["heldout_loss"] for r in results["runs"]}
    variants = [v for v in (results["variants"] if variants is None else variants) if any(k[0] == v for k in loss)]
    pairs = []
    for i, a in enumerate(variants):
        for b in variants[i + 1:]:
            seeds = [s for s in results["seeds"] if (a, s) in loss and (b, s) in loss]
            d = np.array([loss[a, s] - loss[b, s] for s in seeds])  # (n_paired,)
            if d.size > 1 and d.std(ddof=1) > 0:
                p = float(stats.ttest_rel([loss[a, s] for s in seeds], [loss[b, s] for s in seeds]).pvalue)
                half = t95(d.size - 1) * d.std(ddof=1) / math.sqrt(d.size)
            else:
                p, half = 1.0, math.inf
            pairs.append({"a": a, "b": b, "n": int(d.size), "delta": float(d.mean()) if d.size else math.nan,
                          "half": float(half), "p": p})
    for pair, adjusted in zip(pairs, holm([q["p"] for q in pairs]) if pairs else []):
        pair["p_holm"] = float(adjusted)
    return pairs


def pair_findings(results, alpha=0.05):
    """Sentences about every pair of FFNs (``pairwise``): how many pairs the paired criterion
    separates before any correction, and how many remain after Holm's correction, each named
    (or, when they are most of the pairs, the pairs that are not)."""
    pairs = pairwise(results)

    def one(q):
        lo, hi = (q["b"], q["a"]) if q["delta"] > 0 else (q["a"], q["b"])
        return f"{LABELS[lo]} lower than {LABELS[hi]} by {abs(q['delta']):.3f} (+/- {q['half']:.3f})"

    def named(chosen):
        if not chosen:
            return ""
        if len(chosen) <= len(pairs) // 2:
            return ": " + "; ".join(one(q) for q in chosen)
        rest = [q for q in pairs if q not in chosen]
        names = [f"{LABELS[q['a']]}-{LABELS[q['b']]}" for q in rest]
        return "; all but " + (", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0])

    raw = [q for q in pairs if q["p"] < alpha]
    held = [q for q in pairs if q["p_holm"] < alpha]
    n = min(q["n"] for q in pairs)
    return [f"Every pair of FFNs, by the same paired criterion (the 95% interval of the per-seed difference "
            f"excludes zero, which is a paired t-test at the 5% level, over {n} seeds): {len(raw)} of the "
            f"{len(pairs)} pairs differ before any correction{named(raw)}.",
            f"With {len(pairs)} pairs tested at once, some would pass by chance alone; after Holm's correction for "
            f"all {len(pairs)} (5% chance of any false finding), {len(held)} remain{named(held)}."]
