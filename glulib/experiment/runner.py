"""The sweep runner: train every (variant, seed) of a comparison, one after another or in
parallel processes, and resume an interrupted sweep from its finished runs.

Every run trains ``glulib.model`` with ``glulib.train`` on the committed text; the seeds
are shared across variants, so each seed gives a paired comparison (same initial data
order). The runs are independent, so they train in parallel processes (``n_jobs``; joblib),
each on one thread; the numbers are the same to the bit as one after another.
"""

import math
import numbers
import os
import platform
import time

import numba
import numpy as np

from .. import checkpoints, model, train
from .results import SCHEMA_VERSION, SEEDS, check_schema

#: Sample prompt for the generated text stored with each seed-0 run.
PROMPT = "The \"with\" statement\n"
SAMPLE_CHARS = 300


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
    train.keep_freed_memory()  # a worker process of the experiment: its allocator is ours to set
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
                   command="", sample_chars=SAMPLE_CHARS, params_dir=None, n_jobs=1, previous=None, client=None):
    """Train every (variant, seed); returns the results dict. ``on_run(results, k, n)`` is called
    after each finished run (to save progress), ``on_step(variant, seed, k, n, event)`` every step
    (only with ``n_jobs=1``: the steps of other processes are not heard); with ``params_dir``, the
    seed-0 models are saved there (``one_run``).

    ``n_jobs`` runs go in parallel in separate processes (joblib), each on one thread, as
    ``glulib.train`` always trains; ``None`` means one per core. Every run depends only on its
    settings and seed, so the results are the same numbers to the bit for any ``n_jobs``, and
    the runs are listed in the same order. With ``client`` (a ``distributed.Client``) the runs go to
    the workers of that Dask cluster instead (``n_jobs`` is then ignored); the results come back to
    this process, and a run whose worker dies is trained again on another.

    ``previous`` (a results dict, e.g. the partial file of an interrupted sweep) resumes a sweep:
    its runs with the same settings and text (``reusable_runs``) are kept, not trained again.
    """
    for v in variants:
        config.replace(variant=v)  # checks the name
    for name, items in (("variants", list(variants)), ("seeds", [int(s) for s in seeds])):
        if len(set(items)) != len(items) or not items:
            raise ValueError(f"run_experiment: {name} must be a non-empty list without repeats, got {items}")
    n_jobs = _check_jobs(n_jobs)
    if on_step is not None and (n_jobs > 1 or client is not None):
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
    elif client is not None:
        for record, run in _on_dask(client, corpus, config, todo, sample_chars, keep):
            finished(record, run)
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


def _on_dask(client, corpus, config, todo, sample_chars, keep):
    """Train the ``todo`` (seed, variant) pairs on a Dask cluster; yields ``(record, run)`` as each
    finishes. The text goes to every worker once; when a worker dies, the scheduler gives its run to
    another worker; an interrupt cancels whatever has not finished."""
    from distributed import as_completed

    text = client.scatter(corpus, broadcast=True)
    futures = [client.submit(_job, text, config.replace(variant=v), s, sample_chars, keep, pure=False,
                             key=f"glulib-run-{v}-seed{s}-{time.time_ns()}") for s, v in todo]
    try:
        for future in as_completed(futures):
            yield future.result()
    finally:
        client.cancel(futures)


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


