"""Shazeer (2020)'s comparison of eight FFNs, rerun at laptop scale: ``make experiment``.

    python -m glulib.experiment                     # FULL: 8 variants x 4 seeds, replaces data/results/ when done
    python -m glulib.experiment --budget long       # 8x the tokens: to data/results/long/
    python -m glulib.experiment --lr-sweep          # 3 learning rates x 8 FFNs x 2 seeds: data/results/lr_sweep/
    python -m glulib.experiment --budget long --estimate   # the expected wall time, from a measured step
    python -m glulib.experiment --quick --seeds 1   # QUICK settings, one seed: to data/results/scratch/

The runs are independent, so they train in parallel processes (``--jobs``, default one per
core; joblib), each on one thread; the numbers are the same to the bit as one after another.
Progress and the time left go to stderr. An interrupted sweep keeps its finished runs in
``<out>/partial/``, and the same command resumes it: runs with the same settings and text are
not trained again (``reusable_runs``).

Every run trains ``glulib.model`` with ``glulib.train`` on the committed text; the seeds
are shared across variants, so each seed gives a paired comparison (same initial data
order). ``summary`` and ``findings`` turn the saved runs into the notebook's table and
sentences: nothing about the outcome is typed in.

Nothing a run writes can cost the committed comparison: while it trains, progress goes to
``<out>/partial/`` (an incomplete file, ``complete: false``), and ``<out>/runs.json`` and
``runs.csv`` are replaced only when every run has finished. Only the full comparison
(``train.FULL``, all eight FFNs, ``SEEDS``) may write to ``data/results/``; quick runs and
subsets go to ``data/results/scratch/`` unless ``--out`` says otherwise. Every file is
written to a temporary file in the same folder and renamed into place, so an interrupt
leaves either the old file or the new one. The output folder is checked before the first
run starts.

Reading results: ``load_results()`` returns the checked dict and refuses a malformed file
(``ResultsError``, naming the file and the problem), a runs.csv that disagrees with its
runs.json, and, unless ``require_complete=False``, an incomplete one
(``IncompleteResultsError``, a ``ResultsError``). ``completeness(results)`` says how many
runs are done and which are missing. The file format is documented in
data/results/README.md (``SCHEMA`` below is what ``check_schema`` enforces).
"""

import argparse
import json
import math
import numbers
import os
import platform
import sys
import tempfile
import time
from functools import cache
from pathlib import Path

import numba
import numpy as np

from . import checkpoints, model, textdata, train, zoo
from .feedforward import LABELS

RESULTS_DIR = Path(__file__).resolve().parents[1] / "data" / "results"
#: Where quick runs and subsets go by default (ignored by git): never the committed results.
SCRATCH_DIR = RESULTS_DIR / "scratch"
#: Subfolder of the output folder that holds the results of a run in progress.
PARTIAL_DIR = "partial"
RESULTS_FILE = "runs.json"
CSV_FILE = "runs.csv"
SCHEMA_VERSION = 1
SEEDS = (0, 1, 2, 3)
#: Sample prompt for the generated text stored with each seed-0 run.
PROMPT = "The \"with\" statement\n"
SAMPLE_CHARS = 300
#: The training budgets, by name (``--budget``): the committed comparison and one with 8x its
#: tokens (8x the steps, the same batch, warm-up and schedule shape), like the paper's two columns.
BUDGETS = {"short": train.FULL, "long": train.FULL.replace(steps=8 * train.FULL.steps, eval_every=200)}
#: The learning rates of ``--lr-sweep`` (train.FULL's 3e-3 and about 3x each way) and its seeds.
LR_SWEEP = (1e-3, 3e-3, 1e-2)
LR_SWEEP_SEEDS = (0, 1)


def budget_dir(budget):
    """Where a budget's full comparison (all eight FFNs, SEEDS) is written: data/results/ for the
    short one (the committed comparison), data/results/<budget>/ for the others."""
    _check_budget(budget, "budget_dir")
    return RESULTS_DIR if budget == "short" else RESULTS_DIR / budget


def _check_budget(budget, func):
    if budget not in BUDGETS:
        raise ValueError(f"{func}: budget must be one of {sorted(BUDGETS)}, got {budget!r}")


def lr_sweep_dir(budget, lr):
    """The results folder of one learning rate of the sweep: data/results/lr_sweep/lr_0.001 for
    the short budget, data/results/lr_sweep_long/... for the long one."""
    _check_budget(budget, "lr_sweep_dir")
    return RESULTS_DIR / ("lr_sweep" if budget == "short" else f"lr_sweep_{budget}") / f"lr_{lr:g}"

#: Keys of a results file, of each run, and of each learning curve.
SCHEMA = {
    "top": {"schema_version", "command", "config", "seeds", "variants", "text_sha256", "vocab_size",
            "environment", "started_utc", "wall_time_s", "complete", "runs"},
    "run": {"variant", "seed", "n_params", "ffn_params", "d_ff", "steps", "tokens", "heldout_loss",
            "initial_heldout_loss", "wall_time_s", "curve", "sample"},
    "curve": {"step", "train_loss", "heldout_loss"},
}
#: The columns of runs.csv: the scalar keys of each run, in this order.
CSV_COLUMNS = ("variant", "seed", "n_params", "ffn_params", "d_ff", "steps", "tokens", "heldout_loss",
               "initial_heldout_loss", "wall_time_s")
# Student's t, two-sided 95 %, by degrees of freedom (for the paired confidence intervals).
_T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
        10: 2.228, 15: 2.131, 20: 2.086, 30: 2.042}


class ResultsError(ValueError):
    """A results file (or dict) that cannot be used; the message names the file and the problem."""


class IncompleteResultsError(ResultsError):
    """A well-formed results file in which some (variant, seed) runs have not finished."""


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


def environment():
    """The software and machine a results file was made with."""
    return {"python": platform.python_version(), "numpy": np.__version__, "numba": numba.__version__,
            "machine": platform.machine(), "cpu_count": os.cpu_count()}


def one_run(corpus, config, seed, callback=None, stop_after=None, sample_chars=SAMPLE_CHARS, params_dir=None):
    """Train one (variant, seed) and return its record in the results schema. With ``params_dir``,
    a seed in ``checkpoints.SAVED_SEEDS`` also saves its trained parameters there
    (``glulib.checkpoints.save_run``: float32 .npz plus a manifest entry)."""
    record, run = _record_and_run(corpus, config, seed, callback, stop_after, sample_chars)
    if params_dir is not None and seed in checkpoints.SAVED_SEEDS:
        checkpoints.save_run(run, params_dir, text_sha256=corpus.sha256)
    return record


def _record_and_run(corpus, config, seed, callback=None, stop_after=None, sample_chars=SAMPLE_CHARS):
    run = train.train(corpus, config, seed, callback=callback, stop_after=stop_after)
    sample = train.sample_text(corpus, run, PROMPT, sample_chars, seed=seed) if seed == 0 else ""
    record = {"variant": run.variant, "seed": run.seed, "n_params": run.n_params, "ffn_params": run.ffn_params,
              "d_ff": run.d_ff, "steps": run.steps, "tokens": run.tokens, "heldout_loss": run.heldout_loss,
              "initial_heldout_loss": train.initial_loss(corpus, config, seed),
              "wall_time_s": run.wall_time_s, "curve": run.curve, "sample": sample}
    return record, run


def _job(corpus, config, seed, sample_chars, keep_run):
    """One run in a worker process: its record, and the Run itself when the parent saves its
    parameters (the parent writes every checkpoint, so that no two processes edit the manifest)."""
    record, run = _record_and_run(corpus, config, seed, sample_chars=sample_chars)
    return record, (run if keep_run else None)


def default_jobs():
    """How many runs go in parallel by default: one per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _check_jobs(n_jobs, func="run_experiment"):
    if n_jobs is None:
        return default_jobs()
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs < 1:
        raise ValueError(f"{func}: n_jobs must be None (every core) or a positive integer, got {n_jobs!r}")
    return int(n_jobs)


def reusable_runs(previous, corpus, config, seeds, variants):
    """The runs of ``previous`` (a results dict, e.g. an interrupted sweep's partial file) that
    this sweep would make again: same settings, same text, a (variant, seed) it asks for.
    Anything else in ``previous`` is ignored; an empty list when it does not match at all."""
    if previous is None:
        return []
    if check_schema(previous):
        return []
    if previous["config"] != config.as_dict() or previous["text_sha256"] != corpus.sha256 \
            or previous["vocab_size"] != corpus.vocab_size:
        return []
    wanted = {(v, int(s)) for v in variants for s in seeds}
    return [r for r in previous["runs"] if (r["variant"], r["seed"]) in wanted]


def run_experiment(corpus, config, seeds=SEEDS, variants=model.FFN_NAMES, on_run=None, on_step=None,
                   command="", sample_chars=SAMPLE_CHARS, params_dir=None, n_jobs=1, previous=None):
    """Train every (variant, seed); returns the results dict. ``on_run(results, k, n)`` is called
    after each finished run (to save progress), ``on_step(variant, seed, k, n, event)`` every step
    (only with ``n_jobs=1``: the steps of other processes are not heard); with ``params_dir``, the
    seed-0 models are saved there (``one_run``).

    ``n_jobs`` runs go in parallel in separate processes (joblib), each on one thread, as
    ``glulib.train`` always trains; ``None`` means one per core. Every run depends only on its
    settings and seed, so the results are the same numbers to the bit for any ``n_jobs``, and
    the runs are listed in the same order. joblib's backend can be changed around the call
    (``joblib.parallel_config(backend="dask")`` sends the runs to a Dask cluster).

    ``previous`` (a results dict, e.g. the partial file of an interrupted sweep) resumes a sweep:
    its runs with the same settings and text (``reusable_runs``) are kept, not trained again.
    """
    for v in variants:
        config.replace(variant=v)  # checks the name
    n_jobs = _check_jobs(n_jobs)
    if on_step is not None and n_jobs > 1:
        raise ValueError(f"run_experiment: on_step hears the steps of a run in this process; it needs n_jobs=1, "
                         f"got n_jobs={n_jobs} (on_run still reports each finished run)")
    results = {"schema_version": SCHEMA_VERSION, "command": command, "config": config.as_dict(),
               "seeds": [int(s) for s in seeds], "variants": list(variants), "text_sha256": corpus.sha256,
               "vocab_size": corpus.vocab_size, "environment": environment(),
               "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "wall_time_s": 0.0,
               "complete": False, "runs": []}
    jobs = [(int(s), v) for s in seeds for v in variants]  # seed-major: early stops still cover all variants
    order = {pair: i for i, pair in enumerate(jobs)}
    done = {(r["seed"], r["variant"]): r for r in reusable_runs(previous, corpus, config, seeds, variants)}
    if done:
        results["started_utc"], before = previous["started_utc"], previous["wall_time_s"]
    else:
        before = 0.0
    results["runs"] = [done[pair] for pair in jobs if pair in done]
    todo = [pair for pair in jobs if pair not in done]
    keep = params_dir is not None
    start = time.perf_counter()

    def finished(record, run):
        if keep and run is not None and run.seed in checkpoints.SAVED_SEEDS:
            checkpoints.save_run(run, params_dir, text_sha256=corpus.sha256)
        done[(record["seed"], record["variant"])] = record
        results["runs"] = sorted(done.values(), key=lambda r: order[(r["seed"], r["variant"])])
        results["wall_time_s"] = before + time.perf_counter() - start
        results["complete"] = len(done) == len(jobs)
        if on_run is not None:
            on_run(results, len(done), len(jobs))

    if not todo:
        results["complete"] = True
    elif n_jobs == 1 or len(todo) == 1:
        for seed, variant in todo:
            k = order[(seed, variant)]
            step_cb = None if on_step is None else (lambda e, v=variant, s=seed, k=k: on_step(v, s, k, len(jobs), e))
            finished(*_record_and_run(corpus, config.replace(variant=variant), seed, callback=step_cb,
                                      sample_chars=sample_chars))
    else:
        import joblib

        tasks = (joblib.delayed(_job)(corpus, config.replace(variant=v), s, sample_chars, keep) for s, v in todo)
        for record, run in joblib.Parallel(n_jobs=min(n_jobs, len(todo)), return_as="generator_unordered")(tasks):
            finished(record, run)
    return results


# ---- files: checked before a run, written atomically, verified when read ----
def is_full_comparison(results):
    """True for the comparison data/results/ holds: complete, FULL settings, all eight FFNs, SEEDS."""
    return (completeness(results)["complete"] and results["config"] == train.FULL.as_dict()
            and list(results["variants"]) == list(model.FFN_NAMES) and list(results["seeds"]) == list(SEEDS))


def check_out_dir(out_dir):
    """The output folder as a Path, created if needed; a clear error unless files can be written
    there. ``main`` calls it before the first run, not after the last."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise OSError(f"experiment: cannot write results to {out_dir}: {exc.strerror or exc}") from None
    return out_dir


def _write_atomic(path, text):
    """Write ``text`` to a temporary file beside ``path``, flush it to disk, then rename it over
    ``path``: a reader sees the old file or the new one, never half of one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def csv_text(results):
    """The text of runs.csv for ``results``: a header line, then one line per run (CSV_COLUMNS)."""
    lines = [",".join(CSV_COLUMNS)] + [",".join(str(r[c]) for c in CSV_COLUMNS) for r in results["runs"]]
    return "\n".join(lines) + "\n"


def save(results, out_dir):
    """Write runs.csv and runs.json (both from ``results``) into ``out_dir``, each atomically.

    Refuses a malformed ``results``, and refuses to write anything but the complete full
    comparison (``is_full_comparison``) into data/results/.
    """
    _raise_problems(check_schema(results), "save: the results to write")
    out_dir = Path(out_dir)
    if out_dir.resolve() == RESULTS_DIR.resolve() and not is_full_comparison(results):
        raise ResultsError(f"save: only the complete full comparison (train.FULL, all eight FFNs, seeds {list(SEEDS)}) "
                           f"replaces {RESULTS_DIR}; write these results elsewhere (e.g. {SCRATCH_DIR})")
    out_dir.mkdir(parents=True, exist_ok=True)
    # runs.json last: it is the file readers open first, and load_results checks that the two agree
    _write_atomic(out_dir / CSV_FILE, csv_text(results))
    _write_atomic(out_dir / RESULTS_FILE, json.dumps(results, indent=1) + "\n")


def _raise_problems(problems, where):
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise ResultsError(f"{where} does not follow the schema (data/results/README.md): {shown}")


def completeness(results):
    """How far a well-formed results dict got: ``{"complete", "done", "expected", "missing"}``,
    ``missing`` being the (variant, seed) pairs without a run. ``complete`` needs both the file's
    own flag and every pair."""
    done = {(r["variant"], r["seed"]) for r in results["runs"]}
    missing = [(v, s) for s in results["seeds"] for v in results["variants"] if (v, s) not in done]
    expected = len(results["seeds"]) * len(results["variants"])
    return {"complete": bool(results["complete"]) and not missing, "done": expected - len(missing),
            "expected": expected, "missing": missing}


def load_results(path=None, require_complete=True):
    """The saved results (data/results/runs.json by default; a runs.json or its folder), checked.

    Raises ``ResultsError`` naming the file when it is not valid JSON, does not follow
    SCHEMA, or disagrees with the runs.csv beside it; and ``IncompleteResultsError`` when
    some runs have not finished, unless ``require_complete=False``.
    """
    path = RESULTS_DIR / RESULTS_FILE if path is None else Path(path)
    if path.is_dir():
        path = path / RESULTS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"load_results: {path} is missing; the committed results are restored by "
                                f"`git checkout {RESULTS_DIR.relative_to(RESULTS_DIR.parents[1])}`, or made by "
                                f"`make experiment`")
    try:
        results = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ResultsError(f"load_results: {path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ResultsError(f"load_results: {path} is not valid JSON ({exc.msg} at line {exc.lineno}, "
                           f"column {exc.colno}); an interrupted or edited file?") from None
    _raise_problems(check_schema(results), f"load_results: {path}")
    csv_path = path.with_name(CSV_FILE)
    if not csv_path.is_file():
        raise ResultsError(f"load_results: {csv_path} is missing; runs.json and runs.csv are written together")
    got, want = csv_path.read_bytes().decode("utf-8", "replace").splitlines(), csv_text(results).splitlines()
    if got != want:
        i = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        raise ResultsError(f"load_results: {csv_path.name} disagrees with {path} ({len(got) - 1} runs in the CSV, "
                           f"{len(want) - 1} in the JSON; first difference on line {i + 1}); they are written "
                           "together, so one of them was interrupted or edited")
    state = completeness(results)
    if require_complete and not state["complete"]:
        missing = ", ".join(f"{v} seed {s}" for v, s in state["missing"][:4])
        more = f" and {len(state['missing']) - 4} more" if len(state["missing"]) > 4 else ""
        raise IncompleteResultsError(
            f"load_results: {path} is incomplete: {state['done']} of {state['expected']} runs finished"
            + (f" (missing {missing}{more})" if missing else " (the file does not say complete)")
            + "; its table would mislead. Restore the committed results with git, finish `make experiment`, "
              "or pass require_complete=False to look at the partial results")
    return results


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def _is_number(x):
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)


def check_schema(results):
    """A list of what is wrong with a results dict (empty when it follows SCHEMA): keys, types,
    known names, curves that are non-empty lists of equal length ending at the run's loss."""
    if not isinstance(results, dict):
        return [f"the top level must be an object (dict), got {type(results).__name__}"]
    if set(results) != SCHEMA["top"]:
        return [f"top-level keys missing {sorted(SCHEMA['top'] - set(results))}, "
                f"unexpected {sorted(set(results) - SCHEMA['top'])}"]
    problems = []
    if results["schema_version"] != SCHEMA_VERSION:
        problems.append(f"schema_version {results['schema_version']!r} != {SCHEMA_VERSION}")
    for key, ok, what in (("command", isinstance(results["command"], str), "a string"),
                          ("text_sha256", isinstance(results["text_sha256"], str), "a string"),
                          ("started_utc", isinstance(results["started_utc"], str), "a string"),
                          ("environment", isinstance(results["environment"], dict), "an object"),
                          ("complete", isinstance(results["complete"], bool), "true or false"),
                          ("vocab_size", _is_int(results["vocab_size"]) and results["vocab_size"] > 0,
                           "a positive integer"),
                          ("wall_time_s", _is_number(results["wall_time_s"]) and results["wall_time_s"] >= 0,
                           "a non-negative number"),
                          ("runs", isinstance(results["runs"], list), "a list")):
        if not ok:
            problems.append(f"{key} must be {what}, got {results[key]!r:.60}")
    try:
        train.TrainConfig.from_dict(results["config"])
    except (TypeError, ValueError) as exc:
        problems.append(f"config is not a valid glulib.train.TrainConfig ({exc})")
    seeds, variants = results["seeds"], results["variants"]
    if not (isinstance(seeds, list) and seeds and all(_is_int(s) and s >= 0 for s in seeds)
            and len(set(seeds)) == len(seeds)):
        problems.append(f"seeds must be a non-empty list of distinct non-negative integers, got {seeds!r:.60}")
        seeds = []
    if not (isinstance(variants, list) and variants and all(v in model.FFN_NAMES for v in variants)
            and len(set(variants)) == len(variants)):
        problems.append(f"variants must be a non-empty list of distinct names from {list(model.FFN_NAMES)}, "
                        f"got {variants!r:.80}")
        variants = []
    if not isinstance(results["runs"], list):
        return problems
    seen = set()
    for i, r in enumerate(results["runs"]):
        run_problems = _run_problems(r, seeds, variants)
        problems += [f"run {i}: {p}" for p in run_problems]
        if not run_problems and (r["variant"], r["seed"]) in seen:
            problems.append(f"run {i}: a second run of {r['variant']} seed {r['seed']}")
        elif not run_problems:
            seen.add((r["variant"], r["seed"]))
    if results["complete"] is True and not problems and completeness(results)["missing"]:
        problems.append(f"complete is true but {len(completeness(results)['missing'])} (variant, seed) runs "
                        "are missing")
    return problems


def _run_problems(r, seeds, variants):
    if not isinstance(r, dict):
        return [f"must be an object (dict), got {type(r).__name__}"]
    if set(r) != SCHEMA["run"]:
        return [f"keys missing {sorted(SCHEMA['run'] - set(r))}, unexpected {sorted(set(r) - SCHEMA['run'])}"]
    problems = []
    if not (isinstance(r["variant"], str) and r["variant"] in (variants or model.FFN_NAMES)):
        problems.append(f"variant {r['variant']!r:.40} is not one of the file's variants")
    if not (_is_int(r["seed"]) and r["seed"] in (seeds or [r["seed"]])):
        problems.append(f"seed {r['seed']!r:.40} is not one of the file's seeds")
    for key in ("n_params", "ffn_params", "d_ff", "steps", "tokens"):
        if not (_is_int(r[key]) and r[key] > 0):
            problems.append(f"{key} must be a positive integer, got {r[key]!r:.40}")
    for key in ("heldout_loss", "initial_heldout_loss", "wall_time_s"):
        if not _is_number(r[key]):
            problems.append(f"{key} must be a finite number, got {r[key]!r:.40}")
    if not isinstance(r["sample"], str):
        problems.append(f"sample must be a string, got {type(r['sample']).__name__}")
    curve = r["curve"]
    if not isinstance(curve, dict) or set(curve) != SCHEMA["curve"]:
        problems.append(f"curve must be an object with the lists {sorted(SCHEMA['curve'])}, got {curve!r:.60}")
        return problems
    lists = [curve[k] for k in ("step", "train_loss", "heldout_loss")]
    if not all(isinstance(x, list) and x for x in lists) or len({len(x) for x in lists}) != 1:
        problems.append("curve: step, train_loss and heldout_loss must be non-empty lists of one length")
    elif not (all(_is_int(s) for s in curve["step"]) and all(_is_number(x) for x in lists[1] + lists[2])):
        problems.append("curve: steps must be integers and losses finite numbers")
    elif curve["heldout_loss"][-1] != r["heldout_loss"] or curve["step"][-1] != r["steps"]:
        problems.append("heldout_loss and steps must be the last point of the curve")
    return problems


# ---- from runs to the table and the sentences ----
def t95(df):
    """Student's t for a two-sided 95 % interval with ``df`` degrees of freedom (inf below 1;
    between tabulated values, the next smaller df's value, which widens the interval)."""
    if isinstance(df, bool) or not isinstance(df, numbers.Integral):
        raise TypeError(f"t95: df must be an integer, got {type(df).__name__} {df!r}")
    return _T95[max(k for k in _T95 if k <= df)] if df >= 1 else math.inf


_t95 = t95  # the earlier private name


def summary(results):
    """Per variant: mean and std (ddof=1) of the held-out loss over seeds, the paired change
    against ReLU with its 95 % confidence interval, the rank, and the paper's figures."""
    _raise_problems(check_schema(results), "summary: results")
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


# ---- command line ----
def _progress(stream):
    def on_step(variant, seed, k, n, event):
        if event["heldout_loss"] is None and event["step"] != 1:
            return
        held = "" if event["heldout_loss"] is None else f"  held-out {event['heldout_loss']:.3f}"
        print(f"[run {k + 1:2d}/{n}] {variant:8s} seed {seed}  step {event['step']:4d}/{event['steps']}"
              f"  loss {event['train_loss']:.3f}{held}  {event['elapsed']:5.0f} s", file=stream, flush=True)
    return on_step


def estimate_wall_time(corpus, config, n_runs, n_jobs, variants=model.FFN_NAMES, step_s=None):
    """Expected seconds for ``n_runs`` runs of ``config`` on ``n_jobs`` processes, from a measured
    training step and evaluation (``train.time_step``, mean over ``variants``) unless ``step_s``
    gives ``(seconds per step, seconds per evaluation)``. Returns ``(seconds, step_s, eval_s)``.
    An estimate: parallel processes share the memory bus and the machine may be busy."""
    n_jobs = _check_jobs(n_jobs, "estimate_wall_time")
    if step_s is None:
        timed = [train.time_step(corpus, config.replace(variant=v)) for v in variants]
        step_s, eval_s = (float(np.mean(x)) for x in zip(*timed))
    else:
        step_s, eval_s = step_s
    evals = math.ceil(config.steps / config.eval_every) + 1  # the curve's points and the initial loss
    per_run = config.steps * step_s + evals * eval_s
    waves = math.ceil(n_runs / min(n_jobs, max(n_runs, 1)))
    return waves * per_run, step_s, eval_s


def _plan(args, parser):
    """[(config, seeds, variants, out folder)] for the command line's mode."""
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in model.FFN_NAMES]
    if unknown or not variants:
        parser.error(f"--variants: {f'unknown {unknown}' if unknown else 'no name given'}; "
                     f"choose from {list(model.FFN_NAMES)}")
    default_seeds = LR_SWEEP_SEEDS if args.lr_sweep else SEEDS
    n_seeds = len(default_seeds) if args.seeds is None else args.seeds
    if n_seeds < 1:
        parser.error(f"--seeds must be at least 1, got {n_seeds}")
    if args.quick and args.budget != "short":
        parser.error(f"--quick replaces the budget's settings; leave out --budget {args.budget} or --quick")
    base = train.QUICK if args.quick else BUDGETS[args.budget]
    seeds = list(range(n_seeds))
    full = not args.quick and variants == list(model.FFN_NAMES) and seeds == list(default_seeds)
    plans = []
    for lr in (LR_SWEEP if args.lr_sweep else (None,)):
        config = base if lr is None else base.replace(lr=lr)
        home = budget_dir(args.budget) if lr is None else lr_sweep_dir(args.budget, lr)
        out = Path(args.out) if args.out else (home if full else SCRATCH_DIR / home.relative_to(RESULTS_DIR))
        if lr is not None and args.out:
            out = out / home.name
        if out.resolve() == RESULTS_DIR.resolve() and not (full and config == train.FULL):
            parser.error(f"only the full comparison (FULL settings, all eight FFNs, {len(SEEDS)} seeds) replaces "
                         f"{RESULTS_DIR}; leave out --out to write to {SCRATCH_DIR}, or choose another folder")
        plans.append((config, seeds, variants, out))
    return plans


def main(argv=None, stream=None):
    stream = sys.stderr if stream is None else stream
    parser = argparse.ArgumentParser(prog="python -m glulib.experiment", description=__doc__.split("\n")[0])
    parser.add_argument("--budget", choices=sorted(BUDGETS), default="short",
                        help="short: the committed comparison (train.FULL); long: 8x its tokens, to data/results/long")
    parser.add_argument("--lr-sweep", action="store_true",
                        help=f"train at each learning rate of {list(LR_SWEEP)} (one folder each under "
                             f"data/results/lr_sweep*/), {len(LR_SWEEP_SEEDS)} seeds unless --seeds")
    parser.add_argument("--quick", action="store_true", help="QUICK settings (under a minute per run)")
    parser.add_argument("--seeds", type=int, default=None, help="number of seeds (0, 1, ...)")
    parser.add_argument("--variants", default=",".join(model.FFN_NAMES), help="comma-separated FFN names")
    parser.add_argument("--jobs", type=int, default=None,
                        help="runs trained in parallel, one process and one thread each (default: every core)")
    parser.add_argument("--estimate", action="store_true",
                        help="print the expected wall time from a measured step, then stop")
    parser.add_argument("--out", default=None,
                        help="output folder (default: the mode's folder under data/results for its full "
                             "comparison, data/results/scratch/... otherwise)")
    args = parser.parse_args(argv)
    if args.jobs is not None and args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    n_jobs = default_jobs() if args.jobs is None else args.jobs
    plans = _plan(args, parser)
    try:  # before the first run, not after the last
        for _, _, _, out in ([] if args.estimate else plans):
            check_out_dir(out)
            check_out_dir(out / PARTIAL_DIR)
    except OSError as exc:
        parser.error(str(exc))
    corpus = textdata.load_corpus()
    command = "python -m glulib.experiment " + " ".join(argv if argv is not None else sys.argv[1:])

    n_runs = sum(len(seeds) * len(variants) for _, seeds, variants, _ in plans)
    if args.estimate or n_runs > 1:
        per_run, step_s, eval_s = estimate_wall_time(corpus, plans[0][0], 1, 1, variants=plans[0][2])
        total = sum(estimate_wall_time(corpus, c, len(s) * len(v), n_jobs, step_s=(step_s, eval_s))[0]
                    for c, s, v, _ in plans)
        print(f"expected wall time: about {total / 60:.0f} min for {n_runs} runs on {n_jobs} process"
              f"{'es' if n_jobs > 1 else ''} (a step measured at {step_s * 1e3:.1f} ms, an evaluation at "
              f"{eval_s * 1e3:.0f} ms, so about {per_run:.0f} s a run; more if the machine is busy)",
              file=stream, flush=True)
        if args.estimate:
            return
    for config, seeds, variants, out in plans:
        _sweep(corpus, config, seeds, variants, out, n_jobs, command.strip(), stream)


def _sweep(corpus, config, seeds, variants, out, n_jobs, command, stream):
    """One results folder: resume from its partial/ file, train the rest, replace runs.json at the end."""
    partial = out / PARTIAL_DIR
    previous = None
    if (partial / RESULTS_FILE).is_file():
        try:
            previous = load_results(partial, require_complete=False)
        except ResultsError as exc:
            print(f"not resuming: {exc}", file=stream, flush=True)
    kept = reusable_runs(previous, corpus, config, seeds, variants)
    n = len(seeds) * len(variants)
    if kept:
        print(f"resuming {out}: {len(kept)} of {n} runs already finished in {partial}", file=stream, flush=True)
    elif previous is not None:
        print(f"not resuming: the runs in {partial} were made with other settings, text or FFNs; "
              "they are replaced as the new runs finish", file=stream, flush=True)
    start, first = time.perf_counter(), len(kept)
    seen = {(r["variant"], r["seed"]) for r in kept}

    def on_run(results, k, n):
        save(results, partial)
        new = [r for r in results["runs"] if (r["variant"], r["seed"]) not in seen]
        seen.update((r["variant"], r["seed"]) for r in new)
        elapsed = time.perf_counter() - start
        eta = elapsed / max(k - first, 1) * (n - k)
        for r in new:
            print(f"[run {k:2d}/{n}] {r['variant']:8s} seed {r['seed']}  done: held-out {r['heldout_loss']:.4f} "
                  f"in {r['wall_time_s']:.0f} s; {elapsed / 60:.1f} min so far, about {eta / 60:.1f} min to go "
                  f"({out})", file=stream, flush=True)

    try:
        # the full short comparison keeps its seed-0 models in data/models/ (glulib.checkpoints)
        params_dir = checkpoints.MODELS_DIR if out.resolve() == RESULTS_DIR.resolve() else None
        results = run_experiment(corpus, config, seeds=seeds, variants=variants, on_run=on_run,
                                 on_step=_progress(stream) if n_jobs == 1 else None, command=command,
                                 params_dir=params_dir, n_jobs=n_jobs, previous=previous)
    except KeyboardInterrupt:
        print(f"\ninterrupted: {out / RESULTS_FILE} is unchanged; the finished runs are in {partial} "
              "(marked incomplete); run the same command again to resume", file=stream)
        raise SystemExit(130) from None
    save(results, out)
    for name in (RESULTS_FILE, CSV_FILE):
        (partial / name).unlink(missing_ok=True)
    if partial.is_dir() and not any(partial.iterdir()):
        partial.rmdir()
    rows = summary(results)
    print(table_markdown(rows), file=stream)
    print("\n".join(findings(rows)), file=stream)
    print(f"wrote {out / RESULTS_FILE} in {results['wall_time_s'] / 60:.1f} min", file=stream)


if __name__ == "__main__":
    main()
