"""Rebuild data/models/ without rerunning the whole comparison: ``python -m glulib.retrain``.

Retrains only the seed-0 run of each FFN with the settings of the committed comparison
(data/results/runs.json), through ``glulib.experiment.one_run`` (the experiment's own code, which
saves the parameters with ``glulib.checkpoints.save_run``), and reports whether each retrained
learning curve and text sample equal the committed ones. data/results/ is not touched.
"""

import argparse
import contextlib
import sys
import tempfile

from . import _files, checkpoints, experiment, model, textdata, train


def main(argv=None):
    """Retrain, save and compare; the report goes to stderr, one line per FFN."""
    parser = argparse.ArgumentParser(prog="python -m glulib.retrain", description=__doc__.split("\n")[0])
    parser.add_argument("--variants", default=",".join(model.FFN_NAMES), help="comma-separated FFN names")
    args = parser.parse_args(argv)
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in model.FFN_NAMES]
    if unknown or not variants:
        parser.error(f"--variants: choose from {list(model.FFN_NAMES)}, got {args.variants!r}")
    results = experiment.load_results()
    train.keep_freed_memory()  # a command of its own: its allocator is ours to set (glulib.train)
    config = train.TrainConfig.from_dict(results["config"])
    corpus = textdata.load_corpus()
    committed = {(r["variant"], r["seed"]): r for r in results["runs"]}
    with contextlib.ExitStack() as stack:
        try:  # one writer of data/models/ at a time
            stack.enter_context(_files.folder_lock(checkpoints.MODELS_DIR, "retrain into"))
        except OSError as exc:
            parser.error(str(exc))
        # the new models wait beside data/models/ and move in together, once every run has finished
        staged = stack.enter_context(tempfile.TemporaryDirectory(dir=checkpoints.MODELS_DIR.parent, prefix=".retrain-"))
        for v in variants:
            record = experiment.one_run(corpus, config.replace(variant=v), 0, params_dir=staged)
            old = committed[v, 0]
            diff = max(abs(a - b) for a, b in zip(record["curve"]["heldout_loss"], old["curve"]["heldout_loss"]))
            print(f"{v:8s} held-out {record['heldout_loss']:.6f}  curve equal to runs.json: "
                  f"{record['curve'] == old['curve']}  max |difference| {diff:.3g}  "
                  f"sample equal: {record['sample'] == old['sample']}  {record['wall_time_s']:.0f} s",
                  file=sys.stderr, flush=True)
        note = checkpoints.install_models(staged, checkpoints.MODELS_DIR, text_sha256=corpus.sha256)
    if note:
        print(note, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
