"""glulib.checkpoints against forged and damaged files (issue 25): a manifest entry that is not an
object, lacks "file" or points outside the models folder, a folder or deeply nested JSON where the
manifest should be, a bad config, NaN weights, and an array header that asks for gigabytes: each
is a CheckpointError naming the file, raised before any array is read."""

import hashlib
import io
import json
import shutil
import tracemalloc
import zipfile

import numpy as np
import pytest

from glulib import checkpoints, experiment, model, textdata, train

TINY = train.TrainConfig(model.ModelConfig(d_model=8, n_layers=2, n_heads=2, seq_len=8, d_ff_baseline=12),
                         steps=3, batch_size=2, eval_every=3, eval_windows=2, warmup=1)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    d = tmp_path_factory.mktemp("models")
    corpus = textdata.load_corpus()
    for v in ("relu", "glu"):
        experiment.one_run(corpus, TINY.replace(variant=v), 0, sample_chars=1, params_dir=d)
    return d


@pytest.fixture
def models(saved, tmp_path):
    d = tmp_path / "m"
    shutil.copytree(saved, d)
    return d


def _manifest(d):
    return json.loads((d / "manifest.json").read_text())


def _edit_manifest(d, edit):
    m = _manifest(d)
    edit(m)
    (d / "manifest.json").write_text(json.dumps(m))


def _store(d, name, data):
    """Write ``data`` as the glu model's file, with a manifest entry that vouches for it."""
    (d / name).write_bytes(data)
    _edit_manifest(d, lambda m: m["models"]["glu/0"].update(file=name, sha256=hashlib.sha256(data).hexdigest(),
                                                            bytes=len(data)))


ENTRIES = {
    "a string": (lambda m: m["models"].update({"glu/0": "glu_seed0.npz"}), "must be an object with the keys"),
    "no file": (lambda m: m["models"]["glu/0"].pop("file"), "must be an object with the keys"),
    "a path outside": (lambda m: m["models"]["glu/0"].update(file="../outside.npz"), "plain name of an .npz"),
    "an absolute path": (lambda m: m["models"]["glu/0"].update(file="/etc/x.npz"), "plain name of an .npz"),
    "a bad config": (lambda m: m["config"].update(steps=-1), "training settings are not valid"),
    "an absurd vocabulary": (lambda m: m.update(vocab_size=10**30), "training settings are not valid"),
}


@pytest.mark.parametrize("name", ENTRIES)
def test_a_bad_manifest_entry_is_a_clear_error_naming_the_manifest(models, name):
    edit, match = ENTRIES[name]
    _edit_manifest(models, edit)
    with pytest.raises(checkpoints.CheckpointError, match=match) as info:
        checkpoints.load_model("glu", models_dir=models)
    assert str(models / "manifest.json") in str(info.value)


def test_a_file_outside_the_folder_is_never_read(models, tmp_path):
    outside = tmp_path / "outside.npz"
    shutil.copy(models / "glu_seed0.npz", outside)
    _edit_manifest(models, lambda m: m["models"]["glu/0"].update(file="../outside.npz"))
    with pytest.raises(checkpoints.CheckpointError, match="inside the models folder"):
        checkpoints.load_model("glu", models_dir=models)


@pytest.mark.parametrize("damage,match", [
    (lambda p: (p.unlink(), p.mkdir()), "a folder where a file should be"),
    (lambda p: p.write_text("[" * 100_000 + "]" * 100_000), "nested too deeply"),
    (lambda p: p.write_text('{"format": ' + "1" * 5000 + "}"), "cannot be read as JSON"),
])
def test_a_damaged_manifest_file_is_a_clear_error(models, damage, match):
    damage(models / "manifest.json")
    with pytest.raises(checkpoints.CheckpointError, match=match):
        checkpoints.load_model("glu", models_dir=models)


def test_non_finite_weights_are_refused(models):
    params, _ = checkpoints.load_model("glu", models_dir=models)
    for bad in (np.nan, np.inf):
        w = params["0.ffn.W"].copy()
        w[0, 0] = bad
        _store(models, "glu_seed0.npz", checkpoints.npz_bytes({**params, "0.ffn.W": w}))
        with pytest.raises(checkpoints.CheckpointError, match="NaN or infinite"):
            checkpoints.load_model("glu", models_dir=models)


def test_a_forged_header_asking_for_gigabytes_is_refused_before_reading(models):
    params, _ = checkpoints.load_model("glu", models_dir=models)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, array in params.items():
            entry = io.BytesIO()
            if name == "0.ffn.W":  # a header for 40,000 x 40,000 float32 (6 GiB), then 16 bytes of data
                np.lib.format.write_array_header_1_0(entry, {"descr": "<f4", "fortran_order": False,
                                                             "shape": (40_000, 40_000)})
                entry.write(b"\0" * 16)
            else:
                np.lib.format.write_array(entry, array)
            zf.writestr(name + ".npy", entry.getvalue())
    _store(models, "glu_seed0.npz", buf.getvalue())
    tracemalloc.start()
    try:
        with pytest.raises(checkpoints.CheckpointError, match=r"0.ffn.W must be float32 of shape .* got float32 "
                                                              r"\(40000, 40000\)"):
            checkpoints.load_model("glu", models_dir=models)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20, peak


def test_installing_other_models_removes_the_ablation_table_of_the_old_ones(saved, tmp_path):
    target = tmp_path / "data_models"
    shutil.copytree(saved, target)
    (target / checkpoints.ABLATIONS_FILE).write_text("{}")
    assert checkpoints.install_models(saved, target) is None  # the same models: the table still belongs to them
    assert (target / checkpoints.ABLATIONS_FILE).exists()
    staged = tmp_path / "staged"
    experiment.one_run(textdata.load_corpus(), TINY.replace(variant="glu"), 1, sample_chars=1, params_dir=staged)
    assert (staged / "manifest.json").exists() is False  # seed 1 is not kept
    experiment.one_run(textdata.load_corpus(), TINY.replace(variant="glu", lr=1e-3), 0, sample_chars=1,
                       params_dir=staged)
    note = checkpoints.install_models(staged, target)
    assert "ablations.json was computed from the models replaced now" in note
    assert not (target / checkpoints.ABLATIONS_FILE).exists()
    assert list(checkpoints.read_manifest(target)["models"]) == ["glu/0"]  # new settings: the old entries go
    checkpoints.load_model("glu", models_dir=target)
