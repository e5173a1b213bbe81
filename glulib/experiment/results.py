"""The results files of ``python -m glulib.experiment``: where each sweep writes, the schema, the
checked load and the atomic save.

Nothing a run writes can cost the committed comparison: while it trains, progress goes to
``<out>/partial/`` (an incomplete file, ``complete: false``), and ``<out>/runs.json`` and
``runs.csv`` are replaced only when every run has finished. Only the full comparison
(``train.FULL``, all eight FFNs, ``SEEDS``) may write to ``data/results/``; quick runs and
subsets go to ``data/results/scratch/`` unless ``--out`` says otherwise. Every file is
written with ``glulib._files.write_atomic``, so an interrupt leaves either the old file or the
new one.

Reading results: ``load_results()`` returns the checked dict and refuses a malformed file
(``ResultsError``, naming the file and the problem), a runs.csv that disagrees with its
runs.json, and, unless ``require_complete=False``, an incomplete one
(``IncompleteResultsError``, a ``ResultsError``). ``completeness(results)`` says how many
runs are done and which are missing. The file format is documented in
data/results/README.md (``SCHEMA`` below is what ``check_schema`` enforces).
"""

import json
import math
import numbers
import tempfile
from pathlib import Path

from .. import _files, costs, model, train

RESULTS_DIR = Path(__file__).resolve().parents[2] / "data" / "results"
#: Where quick runs and subsets go by default (ignored by git): never the committed results.
SCRATCH_DIR = RESULTS_DIR / "scratch"
#: Subfolder of the output folder that holds the results of a run in progress.
PARTIAL_DIR = "partial"
RESULTS_FILE = "runs.json"
CSV_FILE = "runs.csv"
SCHEMA_VERSION = 1
SEEDS = (0, 1, 2, 3)

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


class ResultsError(ValueError):
    """A results file (or dict) that cannot be used; the message names the file and the problem."""


class IncompleteResultsError(ResultsError):
    """A well-formed results file in which some (variant, seed) runs have not finished."""


#: The most seeds one sweep may ask for (a clear error instead of running out of memory).
MAX_SEEDS = 1000


# ---- files: checked before a run, written atomically, verified when read ----
def is_full_comparison(results):
    """True for the comparison data/results/ holds: complete, FULL settings, all eight FFNs, SEEDS."""
    return (completeness(results)["complete"] and results["config"] == train.FULL.as_dict()
            and list(results["variants"]) == list(model.FFN_NAMES) and list(results["seeds"]) == list(SEEDS))


def home_of(folder):
    """``(config, seeds)`` of the full comparison whose home is ``folder`` (data/results/,
    data/results/long/, data/results/lr_sweep/lr_0.001/, ...), or None for any other folder."""
    folder = Path(folder).resolve()
    for budget, config in BUDGETS.items():
        if folder == budget_dir(budget).resolve():
            return config, tuple(SEEDS)
        for lr in LR_SWEEP:
            if folder == lr_sweep_dir(budget, lr).resolve():
                return config.replace(lr=lr), tuple(LR_SWEEP_SEEDS)
    return None


def is_reserved(folder):
    """True for data/results/ and every folder below it except scratch/: the committed results live
    there, and only each home's own full comparison (``home_of``) may write into them."""
    folder, top, scratch = Path(folder).resolve(), RESULTS_DIR.resolve(), SCRATCH_DIR.resolve()
    return (folder == top or top in folder.parents) and not (folder == scratch or scratch in folder.parents)


def check_destination(out_dir, config, seeds, variants, func="experiment"):
    """A ``ResultsError`` unless a sweep of ``config``, ``seeds`` and ``variants`` may write to
    ``out_dir`` (or to its ``partial/``): anywhere outside data/results/ or in data/results/scratch/;
    inside data/results/ only the full comparison of that folder (``home_of``)."""
    out_dir = Path(out_dir)
    base = out_dir.parent if out_dir.name == PARTIAL_DIR else out_dir
    if not is_reserved(base):
        return
    home = home_of(base)
    if home is not None and config == home[0] and list(seeds) == list(home[1]) \
            and list(variants) == list(model.FFN_NAMES):
        return
    raise ResultsError(f"{func}: {base} holds committed results: only its own full comparison (all eight FFNs, its "
                       f"settings and seeds) may replace them. Write elsewhere: leave out --out (quick runs and "
                       f"subsets go to {SCRATCH_DIR}), or choose a folder outside {RESULTS_DIR}")


def check_out_dir(out_dir):
    """The output folder as a Path, created if needed; a clear error unless results can be written
    there (a folder where runs.json or runs.csv should be is refused). ``main`` calls it before the
    first run, not after the last."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise OSError(f"experiment: cannot write results to {out_dir}: {exc.strerror or exc}") from None
    for name in (RESULTS_FILE, CSV_FILE):
        if (out_dir / name).exists() and not (out_dir / name).is_file():
            raise OSError(f"experiment: cannot write results to {out_dir}: {out_dir / name} is a folder where "
                          "a file should be; remove it")
    return out_dir


def csv_text(results):
    """The text of runs.csv for ``results``: a header line, then one line per run (CSV_COLUMNS)."""
    lines = [",".join(CSV_COLUMNS)] + [",".join(str(r[c]) for c in CSV_COLUMNS) for r in results["runs"]]
    return "\n".join(lines) + "\n"


def save(results, out_dir):
    """Write runs.json and runs.csv (both from ``results``) into ``out_dir`` as one unit
    (``glulib._files.write_together``): a reader finds both old files or both new ones, also after
    an interrupt.

    Refuses a malformed ``results``; inside data/results/ refuses anything but that folder's own
    full comparison (``check_destination``), and in the folder itself (not its ``partial/``) only
    once it is complete.
    """
    raise_problems(check_schema(results), "save: the results to write")
    out_dir = Path(out_dir)
    check_destination(out_dir, train.TrainConfig.from_dict(results["config"]), results["seeds"],
                      results["variants"], "save")
    if is_reserved(out_dir) and out_dir.name != PARTIAL_DIR and not completeness(results)["complete"]:
        raise ResultsError(f"save: only the complete full comparison replaces {out_dir}; these results have "
                           f"{completeness(results)['done']} of {completeness(results)['expected']} runs")
    _files.write_together(out_dir, {RESULTS_FILE: json.dumps(results, indent=1) + "\n",
                                    CSV_FILE: csv_text(results)})


def raise_problems(problems, where):
    """Raise a ResultsError listing the first few of ``problems`` (from ``check_schema``), if any."""
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
    if path.is_dir() and path.name != RESULTS_FILE:
        path = path / RESULTS_FILE
    stored = _files.committed_path(path)  # after an interrupted save, the pair it committed
    if not stored.exists():
        raise FileNotFoundError(f"load_results: {path} is missing; the committed results are restored by "
                                f"`git checkout {RESULTS_DIR.relative_to(RESULTS_DIR.parents[1])}`, or made by "
                                f"`make experiment`")
    try:
        results = _files.read_json(stored, "load_results")
    except ValueError as exc:
        raise ResultsError(str(exc)) from None
    raise_problems(check_schema(results), f"load_results: {path}")
    csv_path = _files.committed_path(path.with_name(CSV_FILE))
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
        config = train.TrainConfig.from_dict(results["config"])
    except (TypeError, ValueError, OverflowError) as exc:
        problems.append(f"config is not a valid glulib.train.TrainConfig ({exc})")
        config = None
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
        if not run_problems and config is not None and _is_int(results["vocab_size"]) and results["vocab_size"] > 0:
            run_problems = _run_config_problems(r, config, results["vocab_size"])
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


def _run_config_problems(r, config, vocab_size):
    """What a well-formed run contradicts in the config its file claims: the run length, the tokens,
    the sizes, and the steps of its learning curve (a hand-edited run is not a finished run)."""
    cfg = config.replace(variant=r["variant"]).model_config(vocab_size)
    want = {"steps": config.steps, "tokens": config.steps * config.batch_size * cfg.seq_len, "d_ff": cfg.d_ff,
            "n_params": sum(math.prod(shape) for shape in model.param_shapes(cfg).values()),
            "ffn_params": costs.ffn_params(cfg.d_model, cfg.d_ff, cfg.variant)}
    problems = [f"{key} {r[key]} does not match the file's config ({value})" for key, value in want.items()
                if r[key] != value]
    steps = [s for s in range(config.eval_every, config.steps + 1, config.eval_every)]
    steps += [] if steps and steps[-1] == config.steps else [config.steps]
    if r["curve"]["step"] != steps:
        problems.append(f"the curve's steps {r['curve']['step']!r:.60} are not the config's evaluation steps "
                        f"(every {config.eval_every} to {config.steps})")
    return problems
