"""The trained models of the eight-FFN comparison, kept: saved, checked and loaded.

    params, config = load_model("swiglu")      # the seed-0 SwiGLU model of data/results/runs.json

``make experiment`` (``glulib.experiment``) saves the parameters of each seed-0 run into
data/models/ as ``<variant>_seed0.npz`` (float32 arrays, one per entry of
``glulib.model.param_shapes``) and records it in data/models/manifest.json: the training
settings, the text's SHA-256, and per file its SHA-256, size and the run's learning curve.
``python -m glulib.retrain`` retrains only those eight seed-0 runs with the committed
settings (through ``glulib.experiment.one_run``, the experiment's own code) and saves them,
without touching data/results/.

``load_model`` refuses a missing file, a file whose SHA-256 is not the manifest's (corrupt
or replaced), and arrays that do not match the config's shapes, with a ``CheckpointError``
naming the file and the problem. The files are written byte for byte reproducibly (a zip
with fixed timestamps), so the same parameters always give the same checksum.
"""

import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np

from . import _validate, model, train
from ._files import (
    write_atomic,  # the one atomic write, shared with glulib.experiment's results
)

MODELS_DIR = Path(__file__).resolve().parents[1] / "data" / "models"
MANIFEST = "manifest.json"
FORMAT_VERSION = 1
#: The seeds whose parameters ``make experiment`` keeps.
SAVED_SEEDS = (0,)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class CheckpointError(ValueError):
    """A saved model that cannot be used; the message names the file and the problem."""


def file_name(variant, seed):
    """``<variant>_seed<seed>.npz``."""
    return f"{variant}_seed{int(seed)}.npz"


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def npz_bytes(params):
    """The bytes of an .npz holding ``params`` (a dict of arrays), reproducible: sorted names,
    fixed timestamps, no compression (trained float32 weights barely compress)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(params):
            entry = io.BytesIO()
            np.lib.format.write_array(entry, np.ascontiguousarray(params[name]), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=_ZIP_TIME)
            info.external_attr = 0o644 << 16
            zf.writestr(info, entry.getvalue())
    return buf.getvalue()


def read_manifest(models_dir=None):
    """The manifest of ``models_dir`` (data/models/ by default), checked for its keys."""
    models_dir = MODELS_DIR if models_dir is None else Path(models_dir)
    path = models_dir / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"read_manifest: {path} is missing; restore data/models/ with git, or rebuild it "
                                "with `python -m glulib.retrain` (retrains the eight seed-0 runs)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"read_manifest: {path} is not valid JSON ({exc})") from None
    keys = {"format", "config", "vocab_size", "text_sha256", "models"}
    if not isinstance(manifest, dict) or set(manifest) != keys or manifest["format"] != FORMAT_VERSION \
            or not isinstance(manifest["models"], dict):
        raise CheckpointError(f"read_manifest: {path} must be an object with the keys {sorted(keys)} "
                              f"and format {FORMAT_VERSION}")
    return manifest


def save_run(run, models_dir=None, text_sha256=None):
    """Save a finished ``glulib.train.Run``'s parameters as float32 into ``models_dir`` and record
    the file in its manifest, with the SHA-256 of the text it was trained on. A manifest of other
    settings is started afresh: its entries are dropped, so a model of the old settings is no longer
    loaded. Returns the manifest entry."""
    if not isinstance(run, train.Run):
        raise TypeError(f"save_run: run must be a glulib.train.Run, got {type(run).__name__}")
    models_dir = MODELS_DIR if models_dir is None else Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    settings = run.config.replace(variant="relu").as_dict()  # one manifest serves all variants
    fresh = {"format": FORMAT_VERSION, "config": settings, "vocab_size": run.model_config.vocab_size,
             "text_sha256": text_sha256 or "", "models": {}}
    try:
        manifest = read_manifest(models_dir)
    except FileNotFoundError:
        manifest = fresh
    if manifest["config"] != settings or manifest["vocab_size"] != run.model_config.vocab_size:
        manifest = fresh  # new settings: the old models no longer belong to the results beside them
    if text_sha256 is not None:
        manifest["text_sha256"] = text_sha256
    params = {k: np.asarray(v, dtype=np.float32) for k, v in run.params.items()}
    data = npz_bytes(params)
    name = file_name(run.variant, run.seed)
    write_atomic(models_dir / name, data)
    entry = {"file": name, "variant": run.variant, "seed": run.seed, "sha256": _sha256(data), "bytes": len(data),
             "heldout_loss": run.heldout_loss, "curve": run.curve}
    manifest["models"][f"{run.variant}/{run.seed}"] = entry
    manifest["models"] = dict(sorted(manifest["models"].items(),
                                     key=lambda kv: (model.FFN_NAMES.index(kv[1]["variant"]), kv[1]["seed"])))
    write_atomic(models_dir / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode("utf-8"))
    return entry


def model_config(variant, models_dir=None):
    """The ``glulib.model.ModelConfig`` of the saved model of ``variant``."""
    _validate.choice(variant, model.FFN_NAMES, "model_config", "variant")
    manifest = read_manifest(models_dir)
    config = train.TrainConfig.from_dict(manifest["config"]).replace(variant=variant)
    return config.model_config(manifest["vocab_size"])


def load_model(variant, seed=0, models_dir=None):
    """``(params, config)``: the saved parameters (dict of float32 arrays) of ``variant`` and its
    ModelConfig, after checking the file's SHA-256 against the manifest and every array's
    shape against the config."""
    func = "load_model"
    _validate.choice(variant, model.FFN_NAMES, func, "variant")
    models_dir = MODELS_DIR if models_dir is None else Path(models_dir)
    manifest = read_manifest(models_dir)
    entry = manifest["models"].get(f"{variant}/{seed}")
    if entry is None:
        raise CheckpointError(f"{func}: {models_dir / MANIFEST} has no model of {variant} seed {seed}; "
                              f"it holds {sorted(manifest['models'])}")
    path = models_dir / entry["file"]
    if not path.is_file():
        raise FileNotFoundError(f"{func}: {path} is missing; restore it with `git checkout {path.name}` in "
                                "data/models/, or rebuild the models with `python -m glulib.retrain`")
    data = path.read_bytes()
    if _sha256(data) != entry["sha256"]:
        raise CheckpointError(f"{func}: {path} is corrupt or replaced: SHA-256 {_sha256(data)[:16]}..., "
                              f"expected {entry['sha256'][:16]}... (manifest); restore it with git")
    config = model_config(variant, models_dir)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            params = {k: npz[k] for k in npz.files}
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"{func}: {path} is not a readable .npz ({exc})") from None
    shapes = model.param_shapes(config)
    missing, extra = sorted(set(shapes) - set(params)), sorted(set(params) - set(shapes))
    if missing or extra:
        raise CheckpointError(f"{func}: {path} does not match the {variant} config: missing {missing}, "
                              f"unexpected {extra}")
    for name, shape in shapes.items():
        if params[name].shape != shape or params[name].dtype != np.float32:
            raise CheckpointError(f"{func}: {path}: {name} must be float32 of shape {shape} for this config, "
                                  f"got {params[name].dtype} {params[name].shape}")
    return params, config
