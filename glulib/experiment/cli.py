"""The command line of the eight-FFN comparison: ``python -m glulib.experiment`` (``make experiment``).

    python -m glulib.experiment                     # FULL: 8 variants x 4 seeds, replaces data/results/ when done
    python -m glulib.experiment --budget long       # 8x the tokens: to data/results/long/
    python -m glulib.experiment --lr-sweep          # 3 learning rates x 8 FFNs x 2 seeds: data/results/lr_sweep/
    python -m glulib.experiment --budget long --estimate   # the expected wall time, from a measured step
    python -m glulib.experiment --quick --seeds 1   # QUICK settings, one seed: to data/results/scratch/
    python -m glulib.experiment --dask local        # on a Dask LocalCluster: one worker process per core
    python -m glulib.experiment --dask tcp://HOST:8786   # on a running Dask scheduler's workers

The runs train in parallel processes (``--jobs``, default one per core), or on the workers of a
Dask cluster (``--dask``; ``pip install -e '.[cluster]'``); the results come back to this process,
which writes every file. Progress and the time left go to stderr. An interrupted sweep keeps its
finished runs in ``<out>/partial/``, and the same command resumes it: runs with the same settings
and text are not trained again.

Everything is checked before the first run starts: the arguments, the output folder (writable, not a
folder of committed results unless this is that folder's full comparison, not in use by another
sweep: each output folder is locked while a sweep writes it), the partial results to resume, and
the Dask scheduler. The full short comparison keeps its seed-0 models: they are staged in
``partial/models/`` as each run ends and moved into data/models/ only with the finished runs.json.
"""

import argparse
import contextlib
import shutil
import sys
import time
from pathlib import Path

from .. import _files, checkpoints, model, textdata, train
from . import results as _results
from . import runner
from .results import PARTIAL_DIR, RESULTS_FILE, ResultsError
from .stats import findings, summary, table_markdown

#: The folder inside ``partial/`` where the full comparison's seed-0 models wait for the end.
STAGED_MODELS = "models"
#: Seconds to wait for a Dask scheduler to answer before giving up.
DASK_TIMEOUT_S = 10


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
    twice = sorted({v for v in variants if variants.count(v) > 1})
    if twice:
        parser.error(f"--variants names {twice} more than once; name each FFN once")
    default_seeds = _results.LR_SWEEP_SEEDS if args.lr_sweep else _results.SEEDS
    n_seeds = len(default_seeds) if args.seeds is None else args.seeds
    if not 1 <= n_seeds <= _results.MAX_SEEDS:
        parser.error(f"--seeds must be between 1 and {_results.MAX_SEEDS}, got {n_seeds}")
    if args.quick and args.budget != "short":
        parser.error(f"--quick replaces the budget's settings; leave out --budget {args.budget} or --quick")
    base = train.QUICK if args.quick else _results.BUDGETS[args.budget]
    seeds = list(range(n_seeds))
    full = not args.quick and variants == list(model.FFN_NAMES) and seeds == list(default_seeds)
    plans = []
    for lr in (_results.LR_SWEEP if args.lr_sweep else (None,)):
        config = base if lr is None else base.replace(lr=lr)
        home = _results.budget_dir(args.budget) if lr is None else _results.lr_sweep_dir(args.budget, lr)
        if args.out:
            out = Path(args.out) / home.name if lr is not None else Path(args.out)
        else:
            out = home if full else _results.SCRATCH_DIR / home.relative_to(_results.RESULTS_DIR)
        try:
            _results.check_destination(out, config, seeds, variants, "--out")
        except ResultsError as exc:
            parser.error(str(exc))
        plans.append((config, seeds, variants, out))
    return plans


@contextlib.contextmanager
def _connect(address, parser, stream):
    """A ``distributed.Client`` for ``--dask``: a LocalCluster (one single-threaded worker process per
    core) for "local", else the scheduler at ``address``; a clear error if it does not answer."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        parser.error("--dask needs Dask's distributed scheduler, an optional extra: pip install -e '.[cluster]'")
    with contextlib.ExitStack() as stack:
        if address == "local":
            cluster = stack.enter_context(LocalCluster(n_workers=runner.default_jobs(), threads_per_worker=1,
                                                       processes=True, dashboard_address=None))
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(address, timeout=DASK_TIMEOUT_S))
            except (OSError, TimeoutError, ValueError) as exc:
                parser.error(f"--dask {address}: no Dask scheduler answered within {DASK_TIMEOUT_S} s ({exc}). "
                             "Start one with `dask scheduler` and its workers with `dask worker ADDRESS`, then pass "
                             "the address the scheduler prints (tcp://HOST:8786)")
        n = sum(client.nthreads().values())
        print(f"Dask: {client.scheduler.address}, {len(client.nthreads())} workers, {n} threads"
              + ("" if n else "; the runs wait until a worker joins (`dask worker ADDRESS`)"), file=stream, flush=True)
        yield client


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
    parser.add_argument("--dask", default=None, metavar="ADDRESS",
                        help="train on a Dask cluster: a scheduler's address (tcp://HOST:8786), or 'local' for a "
                             "LocalCluster of one worker process per core (needs pip install -e '.[cluster]')")
    parser.add_argument("--estimate", action="store_true",
                        help="print the expected wall time from a measured step, then stop")
    parser.add_argument("--out", default=None,
                        help="output folder (default: the mode's folder under data/results for its full "
                             "comparison, data/results/scratch/... otherwise)")
    args = parser.parse_args(argv)
    if args.jobs is not None and args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    if args.jobs is not None and args.dask is not None:
        parser.error("--jobs and --dask: choose one (on a Dask cluster its workers decide how many runs go at once)")
    n_jobs = runner.default_jobs() if args.jobs is None else args.jobs
    plans = _plan(args, parser)
    with contextlib.ExitStack() as held:
        previous = {}
        if not args.estimate:
            try:  # before the first run, not after the last
                for config, seeds, variants, out in plans:
                    _results.check_out_dir(out)
                    _results.check_out_dir(out / PARTIAL_DIR)
                    held.enter_context(_files.folder_lock(out, "choose"))
                    previous[out] = _resumable(out, config, seeds)
                if any(_keeps_models(out) for *_, out in plans):
                    held.enter_context(_files.folder_lock(checkpoints.MODELS_DIR, "choose"))
            except (OSError, ResultsError, checkpoints.CheckpointError) as exc:
                parser.error(str(exc))
        client = None
        if args.dask is not None:
            client = held.enter_context(_connect(args.dask, parser, stream))
            n_jobs = max(sum(client.nthreads().values()), 1)
        train.keep_freed_memory()  # this process trains (--jobs 1) and measures steps: keep freed memory for reuse
        corpus = textdata.load_corpus()
        command = "python -m glulib.experiment " + " ".join(argv if argv is not None else sys.argv[1:])

        n_runs = sum(len(seeds) * len(variants) for _, seeds, variants, _ in plans)
        if args.estimate or n_runs > 1:
            per_run, step_s, eval_s = runner.estimate_wall_time(corpus, plans[0][0], 1, 1, variants=plans[0][2])
            total = sum(runner.estimate_wall_time(corpus, c, len(s) * len(v), n_jobs, step_s=(step_s, eval_s))[0]
                        for c, s, v, _ in plans)
            where = "Dask thread" if client is not None else "process"
            print(f"expected wall time: about {total / 60:.0f} min for {n_runs} runs on {n_jobs} {where}"
                  f"{'s' if n_jobs > 1 and client is not None else 'es' if n_jobs > 1 else ''} (a step measured "
                  f"at {step_s * 1e3:.1f} ms, an evaluation at {eval_s * 1e3:.0f} ms, so about {per_run:.0f} s a "
                  "run; more if the machine is busy)", file=stream, flush=True)
            if args.estimate:
                return
        for config, seeds, variants, out in plans:
            _sweep(corpus, config, seeds, variants, out, n_jobs, command.strip(), stream, previous[out], client)


def _keeps_models(out):
    """The full short comparison (data/results/) keeps its seed-0 models in data/models/."""
    return out.resolve() == _results.RESULTS_DIR.resolve()


def _resumable(out, config, seeds):
    """The partial results of ``out`` to resume from (None when there are none); a ``ResultsError``
    or ``CheckpointError`` naming the file when they cannot be read: they are not thrown away."""
    partial = out / PARTIAL_DIR
    staged = partial / STAGED_MODELS
    saved = {}
    if _keeps_models(out) and (staged / checkpoints.MANIFEST).exists():
        saved = checkpoints.read_manifest(staged)["models"]  # checked now, not when the first model is saved
    if not _files.committed_path(partial / RESULTS_FILE).exists():
        return None
    previous = _results.load_results(partial, require_complete=False)
    if _keeps_models(out) and previous["runs"]:
        # a run whose model is kept must have its model staged, from the same run, or it is trained again
        previous = {**previous, "runs": [r for r in previous["runs"] if r["seed"] not in checkpoints.SAVED_SEEDS
                                         or saved.get(f"{r['variant']}/{r['seed']}", {}).get("curve") == r["curve"]]}
    return previous


def _sweep(corpus, config, seeds, variants, out, n_jobs, command, stream, previous=None, client=None):
    """One results folder: resume from its partial/ file, train the rest, replace runs.json at the end."""
    partial = out / PARTIAL_DIR
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

    staged = partial / STAGED_MODELS if _keeps_models(out) else None
    try:
        results = runner.run_experiment(corpus, config, seeds=seeds, variants=variants, on_run=on_run,
                                        on_step=_progress(stream) if n_jobs == 1 and client is None else None,
                                        command=command, params_dir=staged, n_jobs=n_jobs, previous=previous,
                                        client=client)
        _results.save(results, out)
        if staged is not None:  # the models of these runs, now that their runs.json is in place
            note = checkpoints.install_models(staged, checkpoints.MODELS_DIR, text_sha256=corpus.sha256)
            if note:
                print(note, file=stream, flush=True)
    except KeyboardInterrupt:
        print(f"\ninterrupted: {out / RESULTS_FILE} is unchanged; the finished runs are in {partial} "
              "(marked incomplete); run the same command again to resume", file=stream)
        raise SystemExit(130) from None
    shutil.rmtree(partial, ignore_errors=True)
    rows = summary(results)
    print(table_markdown(rows), file=stream)
    print("\n".join(findings(rows)), file=stream)
    print(f"wrote {out / RESULTS_FILE} in {results['wall_time_s'] / 60:.1f} min", file=stream)
