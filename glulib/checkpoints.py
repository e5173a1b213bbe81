"""The trained models of the eight-FFN comparison, kept: saved, checked and loaded.

    params, config = load_model("swiglu")      # the seed-0 SwiGLU model of data/results/runs.json

``make experiment`` (``glulib.experiment``) saves the parameters of each seed-0 run
(``save_run``) as ``<variant>_seed0.npz`` (float32 arrays, one per entry of
``glulib.model.param_shapes``) and records it in a manifest.json: the training settings, the
text's SHA-256, and per file its SHA-256, size and the run's learning curve. It saves them into
a staging folder as each run ends, and ``install_models`` moves them into data/models/ only with
the finished results (an ablation table of the models they replace is removed).
``python -m glulib.retrain`` retrains only those eight seed-0 runs with the committed
settings (through ``glulib.experiment.one_run``, the experiment's own code) and installs them
the same way, without touching data/results/.

``load_model`` refuses, with a ``CheckpointError`` naming the file and the problem: a manifest
that is not what ``save_run`` writes (an entry that is not an object, lacks ``"file"`` or names
a file outside the models folder, invalid settings), a file whose SHA-256 is not the
manifest's (corrupt or replaced), array headers that do not match the config's names, shapes
and dtype (checked before any array is read), and weights that are not finite. A missing file
is a ``FileNotFoundError``. The files are written byte for byte reproducibly (a zip with fixed
timestamps), so the same parameters always give the same checksum; every file is written
atomically (``glulib._files.write_atomic``) with the user's umask.
"""

import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np

from . import _files, _validate, model, train
from ._files import (
    write_atomic,  # the one atomic write, shared with glulib.experiment's results
)

MODELS_DIR = Path(__file__).resolve().parents[1] / "data" / "models"
MANIFEST = "manifest.json"
#: The ablation table computed from the saved models (``glulib.microscope.ABLATION_FILE``).
ABLATIONS_FILE = "ablations.json"
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


#: The keys of each manifest entry.
ENTRY_KEYS = {"file", "variant", "seed", "sha256", "bytes", "heldout_loss", "curve"}


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def _entry_problem(key, entry):
    """What is wrong with one manifest entry, or None."""
    if not isinstance(entry, dict) or not ENTRY_KEYS <= set(entry):
        return f"entry {key!r} must be an object with the keys {sorted(ENTRY_KEYS)}, got {entry!r:.60}"
    name = entry["file"]
    if not (isinstance(name, str) and name.endswith(".npz") and Path(name).name == name and "\\" not in name
            and name not in (".npz",)):
        return (f"entry {key!r}: file must be the plain name of an .npz inside the models folder, "
                f"got {name!r:.60}")
    if entry["variant"] not in model.FFN_NAMES or not _is_int(entry["seed"]) or entry["seed"] < 0 \
            or key != f"{entry['variant']}/{entry['seed']}":
        return f"entry {key!r}: variant and seed must name an FFN and a seed, matching the key"
    if not (isinstance(entry["sha256"], str) and len(entry["sha256"]) == 64) or not _is_int(entry["bytes"]) \
            or not 0 < entry["bytes"] < 1 << 32:
        return f"entry {key!r}: sha256 must be 64 hex digits and bytes a positive size"
    return None


def read_manifest(models_dir=None):
    """The manifest of ``models_dir`` (data/models/ by default), checked: its keys, its training
    settings (a valid ``glulib.train.TrainConfig``) and every entry (a plain file name inside the
    folder, its variant, seed, checksum and size). A ``CheckpointError`` names the file and the problem."""
    models_dir = MODELS_DIR if models_dir is None else Path(models_dir)
    path = models_dir / MANIFEST
    if not path.exists():
        raise FileNotFoundError(f"read_manifest: {path} is missing; restore data/models/ with git, or rebuild it "
                                "with `python -m glulib.retrain` (retrains the eight seed-0 runs)")
    try:
        manifest = _files.read_json(path, "read_manifest")
    except ValueError as exc:
        raise CheckpointError(str(exc)) from None
    keys = {"format", "config", "vocab_size", "text_sha256", "models"}
    if not isinstance(manifest, dict) or set(manifest) != keys or manifest["format"] != FORMAT_VERSION \
            or not isinstance(manifest["models"], dict):
        raise CheckpointError(f"read_manifest: {path} must be an object with the keys {sorted(keys)} "
                              f"and format {FORMAT_VERSION}")
    try:
        config = train.TrainConfig.from_dict(manifest["config"])
        if not _is_int(manifest["vocab_size"]) or not 0 < manifest["vocab_size"] <= 1 << 20:
            raise ValueError(f"vocab_size must be a positive integer up to 2**20, got {manifest['vocab_size']!r:.40}")
        config.model_config(manifest["vocab_size"])
    except (TypeError, ValueError, OverflowError) as exc:
        raise CheckpointError(f"read_manifest: {path}: the training settings are not valid ({exc})") from None
    for key, entry in manifest["models"].items():
        problem = _entry_problem(key, entry)
        if problem:
            raise CheckpointError(f"read_manifest: {path}: {problem}")
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


def _read_headers(data, path, func):
    """{array name: (shape, dtype)} from the .npy headers inside the .npz bytes ``data``, read
    without reading any array (a forged header cannot make us allocate what it asks for)."""
    headers = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                if not info.filename.endswith(".npy"):
                    raise ValueError(f"{info.filename!r} is not an .npy array")
                with zf.open(info) as f:
                    version = np.lib.format.read_magic(f)
                    read = np.lib.format.read_array_header_1_0 if version == (1, 0) \
                        else np.lib.format.read_array_header_2_0
                    shape, _fortran, dtype = read(f)
                headers[info.filename[:-4]] = (shape, dtype)
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise CheckpointError(f"{func}: {path} is not a readable .npz ({exc})") from None
    return headers


def load_model(variant, seed=0, models_dir=None):
    """``(params, config)``: the saved parameters (dict of float32 arrays) of ``variant`` and its
    ModelConfig. Refused, with a ``CheckpointError`` naming the file, before any array is read: a
    manifest entry naming a file outside the models folder, a file whose SHA-256 is not the
    manifest's (corrupt or replaced), an array header whose name, shape or dtype does not match the
    config; after reading: weights that are not finite."""
    func = "load_model"
    _validate.choice(variant, model.FFN_NAMES, func, "variant")
    models_dir = MODELS_DIR if models_dir is None else Path(models_dir)
    manifest = read_manifest(models_dir)
    entry = manifest["models"].get(f"{variant}/{seed}")
    if entry is None:
        raise CheckpointError(f"{func}: {models_dir / MANIFEST} has no model of {variant} seed {seed}; "
                              f"it holds {sorted(manifest['models'])}")
    path = models_dir / entry["file"]  # a plain file name (read_manifest)
    if not path.is_file():
        raise FileNotFoundError(f"{func}: {path} is missing; restore it with `git checkout {path.name}` in "
                                "data/models/, or rebuild the models with `python -m glulib.retrain`")
    with open(path, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()  # in pieces: a huge file is not read at once
    if digest != entry["sha256"]:
        raise CheckpointError(f"{func}: {path} is corrupt or replaced: SHA-256 {digest[:16]}..., "
                              f"expected {entry['sha256'][:16]}... (manifest); restore it with git")
    data = path.read_bytes()
    config = model_config(variant, models_dir)
    shapes = model.param_shapes(config)
    headers = _read_headers(data, path, func)
    missing, extra = sorted(set(shapes) - set(headers)), sorted(set(headers) - set(shapes))
    if missing or extra:
        raise CheckpointError(f"{func}: {path} does not match the {variant} config: missing {missing}, "
                              f"unexpected {extra}")
    for name, shape in shapes.items():
        if headers[name][0] != tuple(shape) or headers[name][1] != np.float32:
            raise CheckpointError(f"{func}: {path}: {name} must be float32 of shape {shape} for this config, "
                                  f"got {headers[name][1]} {headers[name][0]}")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            params = {k: npz[k] for k in npz.files}
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"{func}: {path} is not a readable .npz ({exc})") from None
    for name, array in params.items():
        if not np.isfinite(array).all():
            raise CheckpointError(f"{func}: {path}: {name} holds {int(np.size(array) - np.isfinite(array).sum())} "
                                  "values that are NaN or infinite; a trained model has none. Restore it with git")
    return params, config


def install_models(staging_dir, models_dir=None, text_sha256=None):
    """Move the models saved in ``staging_dir`` (by ``save_run``, as each run ended) into
    ``models_dir`` (data/models/): each file checked against the staging manifest, then written
    atomically, the manifest last. When any model differs from the one it replaces, the ablation
    table computed from the old models (ablations.json, ``glulib.microscope``) no longer belongs to
    them: it is removed first, and the message returned says how to rebuild it (None otherwise)."""
    func = "install_models"
    staging_dir = Path(staging_dir)
    models_dir = MODELS_DIR if models_dir is None else Path(models_dir)
    new = read_manifest(staging_dir)
    blobs = {}
    for entry in new["models"].values():
        data = (staging_dir / entry["file"]).read_bytes()
        if _sha256(data) != entry["sha256"]:
            raise CheckpointError(f"{func}: {staging_dir / entry['file']} does not match its manifest entry")
        blobs[entry["file"]] = data
    try:
        old = read_manifest(models_dir)
    except (FileNotFoundError, CheckpointError):
        old = {"models": {}, "config": None, "vocab_size": None}
    same_settings = old["config"] == new["config"] and old["vocab_size"] == new["vocab_size"]
    merged = dict(old["models"]) if same_settings else {}
    changed = any(merged.get(key, {}).get("sha256") != entry["sha256"] for key, entry in new["models"].items()) \
        or not same_settings
    merged.update(new["models"])
    manifest = {**new, "models": dict(sorted(merged.items(), key=lambda kv: (model.FFN_NAMES.index(kv[1]["variant"]),
                                                                             kv[1]["seed"])))}
    if text_sha256 is not None:
        manifest["text_sha256"] = text_sha256
    models_dir.mkdir(parents=True, exist_ok=True)
    note = None
    ablations = models_dir / ABLATIONS_FILE
    if changed and ablations.exists():
        ablations.unlink()
        note = (f"{ablations} was computed from the models replaced now: removed; rebuild it from the new "
                "models with `python -m glulib.microscope` (a few minutes)")
    for name, data in blobs.items():
        write_atomic(models_dir / name, data)
    write_atomic(models_dir / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode("utf-8"))
    return note
