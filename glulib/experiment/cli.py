"""The command line of the eight-FFN comparison: ``python -m glulib.experiment`` (``make experiment``).

    python -m glulib.experiment                     # FULL: 8 variants x 4 seeds, replaces data/results/ when done
    python -m glulib.experiment --budget long       # 8x the tokens: to data/results/long/
    python -m glulib.experiment --lr-sweep          # 3 learning rates x 8 FFNs x 2 seeds: data/results/lr_sweep/
    python -m glulib.experiment --budget long --estimate   # the expected wall time, from a measured step
    python -m glulib.experiment --quick --seeds 1   # QUICK settings, one seed: to data/results/scratch/

The runs train in parallel processes (``--jobs``, default one per core). Progress and the time
left go to stderr. An interrupted sweep keeps its finished runs in ``<out>/partial/``, and the
same command resumes it: runs with the same settings and text are not trained again. The output
folder is checked before the first run starts.
"""

import argparse
import sys
import time
from pathlib import Path

from .. import checkpoints, model, textdata, train
from . import results as _results
from . import runner
from .results import CSV_FILE, PARTIAL_DIR, RESULTS_FILE, ResultsError
from .stats import findings, summary, table_markdown


# ---- command line ----
def _progress(stream):
    def on_step(variant, seed, k, n, event):
        if event["heldout_loss"] is None and event["step"] != 1:
            return
        held = "" if event["heldout_loss"] is None else f"  held-out {event['heldout_loss']:.3f}"
        print(f"[run {k + 1:2d}/{n}] {variant:8s} seed {seed}  step {event['step']:4d}/{event['steps']}"
              f"  loss {event['train_loss']:.3f}{held}  {event['elapsed']:5.0f} s", file=stream, flush=True)
    return on_step




def _plan(args, parser):
    """[(config, seeds, variants, out folder)] for the command line's mode."""
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in model.FFN_NAMES]
    if unknown or not variants:
        parser.error(f"--variants: {f'unknown {unknown}' if unknown else 'no name given'}; "
                     f"choose from {list(model.FFN_NAMES)}")
    default_seeds = _results.LR_SWEEP_SEEDS if args.lr_sweep else _results.SEEDS
    n_seeds = len(default_seeds) if args.seeds is None else args.seeds
    if n_seeds < 1:
        parser.error(f"--seeds must be at least 1, got {n_seeds}")
    if args.quick and args.budget != "short":
        parser.error(f"--quick replaces the budget's settings; leave out --budget {args.budget} or --quick")
    base = train.QUICK if args.quick else _results.BUDGETS[args.budget]
    seeds = list(range(n_seeds))
    full = not args.quick and variants == list(model.FFN_NAMES) and seeds == list(default_seeds)
    plans = []
    for lr in (_results.LR_SWEEP if args.lr_sweep else (None,)):
        config = base if lr is None else base.replace(lr=lr)
        home = _results.budget_dir(args.budget) if lr is None else _results.lr_sweep_dir(args.budget, lr)
        out = Path(args.out) if args.out else (home if full else _results.SCRATCH_DIR / home.relative_to(_results.RESULTS_DIR))
        if lr is not None and args.out:
            out = out / home.name
        if out.resolve() == _results.RESULTS_DIR.resolve() and not (full and config == train.FULL):
            parser.error(f"only the full comparison (FULL settings, all eight FFNs, {len(_results.SEEDS)} seeds) replaces "
                         f"{_results.RESULTS_DIR}; leave out --out to write to {_results.SCRATCH_DIR}, or choose another folder")
        plans.append((config, seeds, variants, out))
    return plans


def main(argv=None, stream=None):
    stream = sys.stderr if stream is None else stream
    parser = argparse.ArgumentParser(prog="python -m glulib.experiment", description=__doc__.split("\n")[0])
    parser.add_argument("--budget", choices=sorted(_results.BUDGETS), default="short",
                        help="short: the committed comparison (train.FULL); long: 8x its tokens, to data/results/long")
    parser.add_argument("--lr-sweep", action="store_true",
                        help=f"train at each learning rate of {list(_results.LR_SWEEP)} (one folder each under "
                             f"data/results/lr_sweep*/), {len(_results.LR_SWEEP_SEEDS)} seeds unless --seeds")
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
    n_jobs = runner.default_jobs() if args.jobs is None else args.jobs
    plans = _plan(args, parser)
    try:  # before the first run, not after the last
        for _, _, _, out in ([] if args.estimate else plans):
            _results.check_out_dir(out)
            _results.check_out_dir(out / PARTIAL_DIR)
    except OSError as exc:
        parser.error(str(exc))
    train.keep_freed_memory()  # this process trains (--jobs 1) and measures steps: keep freed memory for reuse
    corpus = textdata.load_corpus()
    command = "python -m glulib.experiment " + " ".join(argv if argv is not None else sys.argv[1:])

    n_runs = sum(len(seeds) * len(variants) for _, seeds, variants, _ in plans)
    if args.estimate or n_runs > 1:
        per_run, step_s, eval_s = runner.estimate_wall_time(corpus, plans[0][0], 1, 1, variants=plans[0][2])
        total = sum(runner.estimate_wall_time(corpus, c, len(s) * len(v), n_jobs, step_s=(step_s, eval_s))[0]
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
            previous = _results.load_results(partial, require_complete=False)
        except ResultsError as exc:
            print(f"not resuming: {exc}", file=stream, flush=True)
    kept = runner.reusable_runs(previous, corpus, config, seeds, variants)
    n = len(seeds) * len(variants)
    if kept:
        print(f"resuming {out}: {len(kept)} of {n} runs already finished in {partial}", file=stream, flush=True)
    elif previous is not None:
        print(f"not resuming: the runs in {partial} were made with other settings, text or FFNs; "
              "they are replaced as the new runs finish", file=stream, flush=True)
    start, first = time.perf_counter(), len(kept)
    seen = {(r["variant"], r["seed"]) for r in kept}

    def on_run(results, k, n):
        _results.save(results, partial)
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
        params_dir = checkpoints.MODELS_DIR if out.resolve() == _results.RESULTS_DIR.resolve() else None
        results = runner.run_experiment(corpus, config, seeds=seeds, variants=variants, on_run=on_run,
                                 on_step=_progress(stream) if n_jobs == 1 else None, command=command,
                                 params_dir=params_dir, n_jobs=n_jobs, previous=previous)
    except KeyboardInterrupt:
        print(f"\ninterrupted: {out / RESULTS_FILE} is unchanged; the finished runs are in {partial} "
              "(marked incomplete); run the same command again to resume", file=stream)
        raise SystemExit(130) from None
    _results.save(results, out)
    for name in (RESULTS_FILE, CSV_FILE):
        (partial / name).unlink(missing_ok=True)
    if partial.is_dir() and not any(partial.iterdir()):
        partial.rmdir()
    rows = summary(results)
    print(table_markdown(rows), file=stream)
    print("\n".join(findings(rows)), file=stream)
    print(f"wrote {out / RESULTS_FILE} in {results['wall_time_s'] / 60:.1f} min", file=stream)

