"""glulib.experiment's files hold against a hostile user (issue 25): committed results and models
never change by accident, the results pair is one unit, one writer per folder, hand-edited or
damaged partial files and bad arguments are refused with the course's own error before any training."""

import json
import os
import re
import shutil
import stat
from pathlib import Path

import pytest

from glulib import _files, checkpoints, experiment, model, textdata, train
from glulib.experiment import cli, results, runner

TINY = train.QUICK.replace(d_model=16, n_heads=2, d_ff_baseline=48, seq_len=16, batch_size=4, steps=2,
                           eval_every=1, eval_windows=4, warmup=1)
COMMITTED = Path(experiment.RESULTS_DIR)


@pytest.fixture(scope="module")
def corpus():
    return textdata.load_corpus()


@pytest.fixture(scope="module")
def small(corpus):
    return experiment.run_experiment(corpus, TINY, seeds=[0, 1], variants=["relu", "glu"], sample_chars=4)


def _copy(x):
    return json.loads(json.dumps(x))


def _tree(folder):
    """Every file below ``folder`` and its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(Path(folder).rglob("*")) if p.is_file()}


@pytest.fixture
def fake_home(tmp_path, monkeypatch):
    """data/results/ and data/models/ as copies under tmp_path, tiny budgets, one seed for the full
    comparison: the command line runs for real without touching the committed folders."""
    home = tmp_path / "results"
    shutil.copytree(COMMITTED, home, ignore=shutil.ignore_patterns("scratch", "partial"))
    models = tmp_path / "models"
    shutil.copytree(checkpoints.MODELS_DIR, models)
    monkeypatch.setattr(results, "RESULTS_DIR", home)
    monkeypatch.setattr(results, "SCRATCH_DIR", home / "scratch")
    monkeypatch.setattr(results, "BUDGETS", {"short": TINY.replace(eval_every=2),  # not QUICK's settings
                                             "long": TINY.replace(steps=4, eval_every=2)})
    monkeypatch.setattr(results, "LR_SWEEP", (1e-3, 3e-3))
    monkeypatch.setattr(results, "SEEDS", (0,))
    monkeypatch.setattr(train, "QUICK", TINY)
    monkeypatch.setattr(checkpoints, "MODELS_DIR", models)
    return home


def _no_training(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("training started although the input was bad")
    monkeypatch.setattr(runner, "run_experiment", refuse)


# ---- committed data does not change ----
@pytest.mark.parametrize("argv,folder", [
    (["--quick", "--seeds", "1", "--variants", "relu", "--out", "{home}/long"], "long"),
    (["--lr-sweep", "--quick", "--out", "{home}/lr_sweep"], "lr_sweep"),
    (["--quick", "--seeds", "1", "--variants", "relu", "--out", "{home}/my_folder"], "my_folder"),
    (["--budget", "long", "--out", "{home}"], "."),  # a full comparison, but of another folder
])
def test_out_into_any_committed_folder_is_refused(fake_home, capsys, argv, folder):
    before = _tree(fake_home)
    with pytest.raises(SystemExit):
        experiment.main([a.format(home=fake_home) for a in argv])
    assert "holds committed results" in capsys.readouterr().err
    assert _tree(fake_home) == before


def test_save_refuses_a_committed_folder_that_is_not_its_own(small, fake_home):
    for folder in (fake_home / "long", fake_home / "lr_sweep" / "lr_0.001", fake_home / "new"):
        with pytest.raises(experiment.ResultsError, match="holds committed results"):
            experiment.save(small, folder)
    experiment.save(small, fake_home / "scratch" / "mine")  # scratch/ is the quick runs' place


def test_models_move_in_only_with_the_finished_runs_and_stale_ablations_go(fake_home, monkeypatch, capsys):
    models = checkpoints.MODELS_DIR
    before = _tree(models)
    real_save, saves = results.save, []

    def save_then_interrupt(res, out_dir):  # Ctrl-C right after the first finished run is saved
        real_save(res, out_dir)
        saves.append(out_dir)
        if len(saves) == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(results, "save", save_then_interrupt)
    with pytest.raises(SystemExit):
        experiment.main(["--jobs", "1"])
    assert _tree(models) == before  # a model of an unfinished comparison never reaches data/models/
    assert (fake_home / "partial" / cli.STAGED_MODELS / "relu_seed0.npz").is_file()
    experiment.main(["--jobs", "1"])  # resumes, finishes, then moves the models in
    err = capsys.readouterr().err
    assert "resuming" in err and "ablations.json was computed from the models replaced now" in err
    done = experiment.load_results(fake_home)
    manifest = checkpoints.read_manifest(models)
    assert len(manifest["models"]) == 8 and not (models / "ablations.json").exists()
    for r in done["runs"]:
        assert manifest["models"][f"{r['variant']}/0"]["curve"] == r["curve"]
        checkpoints.load_model(r["variant"], models_dir=models)
    assert not (fake_home / "partial").exists()


# ---- the pair runs.json + runs.csv is one unit ----
def test_an_interrupt_between_the_two_files_leaves_the_new_pair(small, tmp_path, monkeypatch):
    experiment.save(small, tmp_path)
    changed = _copy(small)
    changed["runs"], changed["complete"] = changed["runs"][:3], False
    real_replace, calls = _files.os.replace, []

    def interrupted_replace(src, dst):  # the journal commits, one file moves in, then the process dies
        calls.append(Path(dst).name)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(_files.os, "replace", interrupted_replace)
    with pytest.raises(KeyboardInterrupt):
        experiment.save(changed, tmp_path)
    monkeypatch.undo()
    assert calls[0] == _files.COMMIT_DIR
    loaded = experiment.load_results(tmp_path, require_complete=False)  # no disagreement: the committed pair
    assert loaded == changed
    experiment.save(small, tmp_path)  # the next write finishes the old one first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.csv", "runs.json"]
    assert experiment.load_results(tmp_path) == small


def test_a_full_disk_leaves_the_old_pair_and_keeps_its_runs(small, tmp_path, monkeypatch):
    experiment.save(small, tmp_path)
    before = _tree(tmp_path)
    real_write, writes = _files._write_synced, []

    def disk_full(path, data):
        writes.append(path)
        if len(writes) == 2:
            raise OSError(28, "No space left on device")
        real_write(path, data)

    monkeypatch.setattr(_files, "_write_synced", disk_full)
    fewer = _copy(small)
    fewer["runs"], fewer["complete"] = fewer["runs"][:3], False
    with pytest.raises(OSError, match="No space"):
        experiment.save(fewer, tmp_path)
    monkeypatch.undo()
    assert experiment.load_results(tmp_path) == small
    experiment.save(small, tmp_path)
    assert _tree(tmp_path) == before


# ---- one writer per folder ----
def test_a_second_sweep_into_a_busy_folder_is_refused_clearly(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(train, "QUICK", TINY)
    _no_training(monkeypatch)
    out = tmp_path / "out"
    with _files.folder_lock(out):  # the first sweep, still running
        with pytest.raises(SystemExit) as info:
            experiment.main(["--quick", "--variants", "relu", "--seeds", "1", "--out", str(out)])
    assert info.value.code == 2
    assert "is in use: another process is writing there" in capsys.readouterr().err
    with _files.folder_lock(out):  # free again once the first has ended
        pass


# ---- partial files are checked before any training ----
def _interrupted_partial(out, monkeypatch):
    """A real sweep of relu and glu, one seed, stopped after its first run: out/partial holds one run."""
    real_save = results.save

    def save_then_interrupt(res, out_dir):
        real_save(res, out_dir)
        raise KeyboardInterrupt

    monkeypatch.setattr(train, "QUICK", TINY.replace(steps=4, eval_every=2))
    monkeypatch.setattr(results, "save", save_then_interrupt)
    with pytest.raises(SystemExit):
        experiment.main(["--quick", "--variants", "relu,glu", "--seeds", "1", "--jobs", "1", "--out", str(out)])
    monkeypatch.setattr(results, "save", real_save)
    return out / "partial" / "runs.json"


def _cut_curve(run):
    for key in run["curve"]:
        run["curve"][key] = run["curve"][key][:-1]
    run["heldout_loss"] = run["curve"]["heldout_loss"][-1]


EDITS = {
    "a curve cut short": (_cut_curve, "curve"),
    "a changed token count": (lambda run: run.update(tokens=run["tokens"] * 2), "tokens"),
    "a changed run length": (lambda run: run.update(steps=2), "steps"),
}


@pytest.mark.parametrize("name", EDITS)
def test_hand_edited_runs_in_partial_are_refused_not_reused(tmp_path, monkeypatch, capsys, name):
    out = tmp_path / "out"
    path = _interrupted_partial(out, monkeypatch)
    data = json.loads(path.read_text())
    edit, match = EDITS[name]
    edit(data["runs"][0])
    path.write_text(json.dumps(data))
    before = path.read_bytes()
    _no_training(monkeypatch)
    capsys.readouterr()
    with pytest.raises(SystemExit):
        experiment.main(["--quick", "--variants", "relu,glu", "--seeds", "1", "--jobs", "1", "--out", str(out)])
    err = capsys.readouterr().err
    assert str(path) in err and match in err, err
    assert path.read_bytes() == before  # the finished runs are kept, not overwritten


DAMAGE = {
    "deeply nested JSON": (lambda p: p.write_text("[" * 100_000 + "]" * 100_000), "nested too deeply"),
    "an absurd integer": (lambda p: p.write_text('{"schema_version": ' + "9" * 5000 + "}"), "cannot be read as JSON"),
    "a folder where the file should be": (lambda p: (p.unlink(), p.mkdir()), "a folder where a file should be"),
    "a bad config": (lambda p: p.write_text(json.dumps({**json.loads(p.read_text()),
                                                        "config": {"steps": -1}})), "config is not a valid"),
    "an absurd size in the config": (lambda p: p.write_text(json.dumps(
        {**json.loads(p.read_text()), "vocab_size": 10**40})), "does not match the file's config"),
}


@pytest.mark.parametrize("name", DAMAGE)
def test_a_damaged_partial_file_is_the_courses_own_error_before_any_training(tmp_path, monkeypatch, capsys, name):
    out = tmp_path / "out"
    path = _interrupted_partial(out, monkeypatch)
    damage, match = DAMAGE[name]
    damage(path)
    _no_training(monkeypatch)
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        experiment.main(["--quick", "--variants", "relu,glu", "--seeds", "1", "--jobs", "1", "--out", str(out)])
    err = capsys.readouterr().err
    assert info.value.code == 2 and str(path) in err and match in err, err
    assert "Traceback" not in err


# ---- arguments refused before training ----
@pytest.mark.parametrize("argv,match", [
    (["--quick", "--variants", "relu,relu"], r"names \['relu'\] more than once"),
    (["--quick", "--seeds", str(10**12), "--estimate"], "--seeds must be between 1 and"),
    (["--seeds", "0"], "--seeds must be between 1 and"),
    (["--jobs", "2", "--dask", "local"], "choose one"),
])
def test_bad_arguments_are_refused_before_training(tmp_path, monkeypatch, capsys, argv, match):
    _no_training(monkeypatch)
    monkeypatch.setattr(runner, "estimate_wall_time", lambda *a, **k: pytest.fail("a step was measured"))
    with pytest.raises(SystemExit) as info:
        experiment.main(argv + ["--out", str(tmp_path / "out")])
    assert info.value.code == 2
    assert re.search(match, capsys.readouterr().err)


def test_run_experiment_refuses_repeated_variants_or_seeds(corpus):
    with pytest.raises(ValueError, match="variants must be a non-empty list without repeats"):
        experiment.run_experiment(corpus, TINY, seeds=[0], variants=["relu", "relu"])
    with pytest.raises(ValueError, match="seeds must be a non-empty list without repeats"):
        experiment.run_experiment(corpus, TINY, seeds=[0, 0], variants=["relu"])


# ---- the user's umask ----
@pytest.mark.parametrize("mask,mode", [(0o022, 0o644), (0o027, 0o640)])
def test_results_and_models_get_the_users_umask(small, tmp_path, corpus, mask, mode):
    old = os.umask(mask)
    try:
        experiment.save(small, tmp_path / "out")
        experiment.one_run(corpus, TINY.replace(variant="glu"), 0, sample_chars=1, params_dir=tmp_path / "models")
    finally:
        os.umask(old)
    for path in [tmp_path / "out" / "runs.json", tmp_path / "out" / "runs.csv",
                 tmp_path / "models" / "glu_seed0.npz", tmp_path / "models" / "manifest.json"]:
        assert stat.S_IMODE(path.stat().st_mode) == mode, path


@pytest.mark.parametrize("damage,match", [
    (lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "models": {"relu/0": "relu_seed0.npz"}})),
     "must be an object with the keys"),
    (lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "models": {"relu/0": {"variant": "relu"}}})),
     "must be an object with the keys"),
    (lambda p: p.write_text("[" * 100_000), "nested too deeply"),
])
def test_a_damaged_staged_manifest_is_refused_before_any_training(fake_home, monkeypatch, capsys, damage, match):
    staged = fake_home / "partial" / cli.STAGED_MODELS
    staged.mkdir(parents=True)
    shutil.copy(checkpoints.MODELS_DIR / "manifest.json", staged / "manifest.json")
    damage(staged / "manifest.json")
    _no_training(monkeypatch)
    with pytest.raises(SystemExit) as info:
        experiment.main(["--jobs", "1"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and str(staged / "manifest.json") in err and match in err, err
