"""Shazeer (2020)'s comparison of eight FFNs, rerun at laptop scale: ``make experiment``.

    python -m glulib.experiment              # FULL: 8 variants x 4 seeds, writes data/results/
    python -m glulib.experiment --quick      # QUICK settings, 1 seed: under a minute per variant

Every run trains ``glulib.model`` with ``glulib.train`` on the committed text; the seeds
are shared across variants, so each seed gives a paired comparison (same initial data
order). ``summary`` and ``findings`` turn the saved runs into the notebook's table and
sentences: nothing about the outcome is typed in. The file format is documented in
data/results/README.md (``SCHEMA`` below is what the tests check).
"""

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numba
import numpy as np

from . import model, textdata, train

RESULTS_DIR = Path(__file__).resolve().parents[1] / "data" / "results"
RESULTS_FILE = "runs.json"
SCHEMA_VERSION = 1
SEEDS = (0, 1, 2, 3)
#: Sample prompt for the generated text stored with each seed-0 run.
PROMPT = "The \"with\" statement\n"
SAMPLE_CHARS = 300

#: Keys of a results file, of each run, and of each learning curve.
SCHEMA = {
    "top": {"schema_version", "command", "config", "seeds", "variants", "text_sha256", "vocab_size",
            "environment", "started_utc", "wall_time_s", "complete", "runs"},
    "run": {"variant", "seed", "n_params", "ffn_params", "d_ff", "steps", "tokens", "heldout_loss",
            "initial_heldout_loss", "wall_time_s", "curve", "sample"},
    "curve": {"step", "train_loss", "heldout_loss"},
}

#: Shazeer (2020), Table 1: held-out log-perplexity after 65,536 steps (std of four runs)
#: and after 524,288 steps. Source figures for comparison, from the paper.
PAPER = {
    "relu": (1.997, 0.005, 1.677), "gelu": (1.983, 0.005, 1.679), "swish": (1.994, 0.003, 1.683),
    "glu": (1.982, 0.006, 1.663), "bilinear": (1.960, 0.005, 1.648), "geglu": (1.942, 0.004, 1.633),
    "swiglu": (1.944, 0.010, 1.636), "reglu": (1.953, 0.003, 1.645),
}
LABELS = {"relu": "ReLU", "gelu": "GELU", "swish": "Swish", "glu": "GLU", "bilinear": "Bilinear",
          "geglu": "GEGLU", "swiglu": "SwiGLU", "reglu": "ReGLU"}
# Student's t, two-sided 95 %, by degrees of freedom (for the paired confidence intervals).
_T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
        10: 2.228, 15: 2.131, 20: 2.086, 30: 2.042}


def environment():
    """The software and machine a results file was made with."""
    return {"python": platform.python_version(), "numpy": np.__version__, "numba": numba.__version__,
            "machine": platform.machine(), "cpu_count": os.cpu_count()}


def one_run(corpus, config, seed, callback=None, stop_after=None, sample_chars=SAMPLE_CHARS):
    """Train one (variant, seed) and return its record in the results schema."""
    run = train.train(corpus, config, seed, callback=callback, stop_after=stop_after)
    sample = train.sample_text(corpus, run, PROMPT, sample_chars, seed=seed) if seed == 0 else ""
    return {"variant": run.variant, "seed": run.seed, "n_params": run.n_params, "ffn_params": run.ffn_params,
            "d_ff": run.d_ff, "steps": run.steps, "tokens": run.tokens, "heldout_loss": run.heldout_loss,
            "initial_heldout_loss": train.initial_loss(corpus, config, seed),
            "wall_time_s": run.wall_time_s, "curve": run.curve, "sample": sample}


def run_experiment(corpus, config, seeds=SEEDS, variants=model.FFN_NAMES, on_run=None, on_step=None,
                   command="", sample_chars=SAMPLE_CHARS):
    """Train every (variant, seed); returns the results dict. ``on_run(results, k, n)`` is called
    after each finished run (to save progress), ``on_step(variant, seed, k, n, event)`` every step."""
    for v in variants:
        config.replace(variant=v)  # checks the name
    results = {"schema_version": SCHEMA_VERSION, "command": command, "config": config.as_dict(),
               "seeds": [int(s) for s in seeds], "variants": list(variants), "text_sha256": corpus.sha256,
               "vocab_size": corpus.vocab_size, "environment": environment(),
               "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "wall_time_s": 0.0,
               "complete": False, "runs": []}
    start = time.perf_counter()
    jobs = [(s, v) for s in seeds for v in variants]  # seed-major: early stops still cover all variants
    for k, (seed, variant) in enumerate(jobs):
        step_cb = None if on_step is None else (lambda e, v=variant, s=seed, k=k: on_step(v, s, k, len(jobs), e))
        results["runs"].append(one_run(corpus, config.replace(variant=variant), seed, callback=step_cb,
                                       sample_chars=sample_chars))
        results["wall_time_s"] = time.perf_counter() - start
        results["complete"] = k + 1 == len(jobs)
        if on_run is not None:
            on_run(results, k + 1, len(jobs))
    return results


def save(results, out_dir=RESULTS_DIR):
    """Write runs.json (everything) and runs.csv (one line per run, no curves); atomic replace."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / (RESULTS_FILE + ".tmp")
    tmp.write_text(json.dumps(results, indent=1) + "\n")
    tmp.replace(out_dir / RESULTS_FILE)
    cols = ["variant", "seed", "n_params", "ffn_params", "d_ff", "steps", "tokens", "heldout_loss",
            "initial_heldout_loss", "wall_time_s"]
    lines = [",".join(cols)] + [",".join(str(r[c]) for c in cols) for r in results["runs"]]
    (out_dir / "runs.csv").write_text("\n".join(lines) + "\n")


def load_results(path=None):
    """The saved results (data/results/runs.json by default), checked against SCHEMA."""
    path = RESULTS_DIR / RESULTS_FILE if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load_results: {path} is missing; make it with `make experiment`")
    results = json.loads(path.read_text())
    problems = check_schema(results)
    if problems:
        raise ValueError(f"load_results: {path.name} does not follow the schema: " + "; ".join(problems))
    return results


def check_schema(results):
    """A list of what is wrong with a results dict (empty when it follows SCHEMA)."""
    problems = []
    if set(results) != SCHEMA["top"]:
        problems.append(f"top-level keys {sorted(set(results) ^ SCHEMA['top'])} differ")
        return problems
    if results["schema_version"] != SCHEMA_VERSION:
        problems.append(f"schema_version {results['schema_version']} != {SCHEMA_VERSION}")
    for i, r in enumerate(results["runs"]):
        if set(r) != SCHEMA["run"]:
            problems.append(f"run {i}: keys {sorted(set(r) ^ SCHEMA['run'])} differ")
            continue
        if set(r["curve"]) != SCHEMA["curve"]:
            problems.append(f"run {i}: curve keys {sorted(set(r['curve']) ^ SCHEMA['curve'])} differ")
        elif not (len(r["curve"]["step"]) == len(r["curve"]["train_loss"]) == len(r["curve"]["heldout_loss"])):
            problems.append(f"run {i}: curve lists have different lengths")
        elif r["curve"]["heldout_loss"][-1] != r["heldout_loss"]:
            problems.append(f"run {i}: heldout_loss is not the last point of its curve")
    return problems


# ---- from runs to the table and the sentences ----
def _t95(df):
    keys = sorted(_T95)
    return _T95[max(k for k in keys if k <= df)] if df >= 1 else math.inf


def summary(results):
    """Per variant: mean and std (ddof=1) of the held-out loss over seeds, the paired change
    against ReLU with its 95 % confidence interval, the rank, and the paper's figures."""
    runs = results["runs"]
    loss = {(r["variant"], r["seed"]): r["heldout_loss"] for r in runs}
    variants = [v for v in results["variants"] if any(k[0] == v for k in loss)]
    rows = {}
    for v in variants:
        seeds = [s for s in results["seeds"] if (v, s) in loss]
        x = np.array([loss[v, s] for s in seeds])
        paired = [s for s in seeds if ("relu", s) in loss]
        d = np.array([loss[v, s] - loss["relu", s] for s in paired])
        half = _t95(d.size - 1) * d.std(ddof=1) / math.sqrt(d.size) if d.size > 1 else math.inf
        p65, p65_std, p524 = PAPER[v]
        rows[v] = {"label": LABELS[v], "n": int(x.size), "mean": float(x.mean()),
                   "std": float(x.std(ddof=1)) if x.size > 1 else float("nan"),
                   "delta": float(d.mean()) if d.size else float("nan"), "delta_ci": float(half),
                   "paper": p65, "paper_std": p65_std, "paper_delta": p65 - PAPER["relu"][0],
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
    noise = float(np.nanmean([r["std"] for r in rows.values()]))
    paper_spread = max(r["paper"] for r in rows.values()) - min(r["paper"] for r in rows.values())
    out.append(f"The best and worst variant are {spread:.3f} nats apart (mean seed std {noise:.3f}); "
               f"in the paper {paper_spread:.3f} apart, with stds of 0.003 to 0.010.")
    return out


# ---- command line ----
def _progress(stream):
    def on_step(variant, seed, k, n, event):
        if event["heldout_loss"] is None and event["step"] != 1:
            return
        held = "" if event["heldout_loss"] is None else f"  held-out {event['heldout_loss']:.3f}"
        print(f"[run {k + 1:2d}/{n}] {variant:8s} seed {seed}  step {event['step']:4d}/{event['steps']}"
              f"  loss {event['train_loss']:.3f}{held}  {event['elapsed']:5.0f} s", file=stream, flush=True)
    return on_step


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m glulib.experiment", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="QUICK settings (under a minute per run)")
    parser.add_argument("--seeds", type=int, default=len(SEEDS), help="number of seeds (0, 1, ...)")
    parser.add_argument("--variants", default=",".join(model.FFN_NAMES), help="comma-separated FFN names")
    parser.add_argument("--out", default=str(RESULTS_DIR), help="output folder (default data/results)")
    args = parser.parse_args(argv)
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in model.FFN_NAMES]
    if unknown or args.seeds < 1:
        parser.error(f"unknown variants {unknown}; choose from {list(model.FFN_NAMES)}" if unknown
                     else f"--seeds must be at least 1, got {args.seeds}")
    config = train.QUICK if args.quick else train.FULL
    corpus = textdata.load_corpus()
    command = "python -m glulib.experiment " + " ".join(argv if argv is not None else sys.argv[1:])

    def on_run(results, k, n):
        save(results, args.out)
        r = results["runs"][-1]
        print(f"[run {k:2d}/{n}] {r['variant']:8s} seed {r['seed']}  done: held-out {r['heldout_loss']:.4f} "
              f"in {r['wall_time_s']:.0f} s (total {results['wall_time_s'] / 60:.1f} min)",
              file=sys.stderr, flush=True)

    results = run_experiment(corpus, config, seeds=range(args.seeds), variants=variants, on_run=on_run,
                             on_step=_progress(sys.stderr), command=command.strip())
    print(table_markdown(summary(results)), file=sys.stderr)
    print("\n".join(findings(summary(results))), file=sys.stderr)
    print(f"wrote {args.out}/{RESULTS_FILE} in {results['wall_time_s'] / 60:.1f} min", file=sys.stderr)


if __name__ == "__main__":
    main()
