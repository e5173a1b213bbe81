"""glulib.train and glulib.experiment: quick mode learns, runs repeat to the bit, and the
committed results follow the schema and come from the committed code."""

import json
import math
from pathlib import Path

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glulib import experiment, model, textdata, train


@pytest.fixture(scope="module")
def corpus():
    return textdata.load_corpus()


TINY_RUN = train.QUICK.replace(d_model=16, n_heads=2, d_ff_baseline=48, seq_len=16, batch_size=4, steps=12,
                               eval_every=6, eval_windows=4, warmup=2)


def test_same_seed_same_losses_to_the_bit(corpus):
    a = train.train(corpus, TINY_RUN.replace(variant="swiglu"), seed=3)
    b = train.train(corpus, TINY_RUN.replace(variant="swiglu"), seed=3)
    c = train.train(corpus, TINY_RUN.replace(variant="swiglu"), seed=4)
    assert a.curve == b.curve
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert a.curve != c.curve


def test_training_restores_the_thread_settings(corpus):
    before = numba.get_num_threads()
    train.train(corpus, TINY_RUN, seed=0, stop_after=1)
    assert numba.get_num_threads() == before


def test_callback_hears_every_step(corpus):
    events = []
    run = train.train(corpus, TINY_RUN, seed=0, callback=events.append)
    assert [e["step"] for e in events] == list(range(1, 13))
    assert [e["heldout_loss"] for e in events if e["heldout_loss"] is not None] == run.curve["heldout_loss"]
    assert run.tokens == 12 * 4 * 16


@pytest.mark.slow
def test_quick_mode_lowers_the_heldout_loss_by_a_clear_margin(corpus):
    config = train.QUICK.replace(variant="geglu")
    before = train.initial_loss(corpus, config, seed=0)
    run = train.train(corpus, config, seed=0)
    assert before > np.log(corpus.vocab_size) - 0.5  # starts near a uniform guess
    assert run.heldout_loss < before - 1.5, (before, run.heldout_loss)
    assert run.curve["heldout_loss"][-1] < run.curve["heldout_loss"][0]


def test_bad_arguments_are_clear_errors(corpus):
    with pytest.raises(ValueError, match="stop_after must lie in"):
        train.train(corpus, TINY_RUN, seed=0, stop_after=13)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        train.train(corpus, TINY_RUN, seed=-1)
    with pytest.raises(TypeError, match="corpus must be"):
        train.train("text", TINY_RUN, seed=0)
    with pytest.raises(ValueError, match="unknown settings"):
        TINY_RUN.replace(learning_rate=1.0)
    with pytest.raises(ValueError, match="warmup must be"):
        TINY_RUN.replace(warmup=100)


@pytest.mark.slow
def test_quick_experiment_writes_the_documented_schema(corpus, tmp_path):
    results = experiment.run_experiment(corpus, TINY_RUN, seeds=[0, 1], variants=["relu", "glu", "bilinear"],
                                        on_run=lambda r, k, n: experiment.save(r, tmp_path), sample_chars=8)
    assert experiment.check_schema(results) == []
    saved = experiment.load_results(tmp_path / "runs.json")
    assert saved["complete"] and len(saved["runs"]) == 6
    csv = (tmp_path / "runs.csv").read_text().splitlines()
    assert len(csv) == 7 and csv[0].startswith("variant,seed,")
    rows = experiment.summary(saved)
    assert rows["relu"]["delta"] == 0.0 and {r["rank"] for r in rows.values()} == {1, 2, 3}
    assert experiment.table_markdown(rows).count("\n") == 4
    assert any("seeds" in s for s in experiment.findings(rows))


def test_schema_problems_are_reported(tmp_path):
    (tmp_path / "runs.json").write_text(json.dumps({"schema_version": 1}))
    with pytest.raises(ValueError, match="does not follow the schema"):
        experiment.load_results(tmp_path / "runs.json")


# ---- the committed results (data/results/runs.json, written by `make experiment`) ----
@pytest.fixture(scope="module")
def committed():
    return experiment.load_results()


def test_committed_results_cover_every_variant_and_seed(committed, corpus):
    assert committed["complete"]
    assert committed["text_sha256"] == corpus.sha256
    assert committed["config"] == train.FULL.as_dict()
    pairs = {(r["variant"], r["seed"]) for r in committed["runs"]}
    assert pairs == {(v, s) for v in model.FFN_NAMES for s in committed["seeds"]}
    assert len(committed["seeds"]) >= 3
    assert len({r["n_params"] for r in committed["runs"]}) == 1  # matched_d_ff at work
    for r in committed["runs"]:
        assert r["steps"] == train.FULL.steps
        assert r["heldout_loss"] < r["initial_heldout_loss"] - 1.0
        assert r["curve"]["step"][-1] == train.FULL.steps


@pytest.mark.slow
def test_committed_results_come_from_the_committed_code(committed, corpus):
    """Rerun the start of one committed run and compare its first evaluation."""
    run = next(r for r in committed["runs"] if r["variant"] == "swiglu" and r["seed"] == 1)
    first = run["curve"]["step"][0]
    rerun = train.train(corpus, train.FULL.replace(variant="swiglu"), seed=1, stop_after=first)
    # same code, same seed: equal up to float32 rounding differences between CPUs
    assert rerun.curve["heldout_loss"][0] == pytest.approx(run["curve"]["heldout_loss"][0], rel=1e-4)
    assert rerun.curve["train_loss"][0] == pytest.approx(run["curve"]["train_loss"][0], rel=1e-4)


def test_the_committed_files_that_share_runs_hold_the_same_numbers_to_the_bit(committed):
    """runs.json, the learning-rate sweep's runs at train.FULL's rate and the saved seed-0 models
    were made by the same code: a run present in two of them has equal curves and losses (no tolerance)."""
    from glulib import checkpoints

    by_run = {(r["variant"], r["seed"]): r for r in committed["runs"]}
    same_rate = experiment.load_results(experiment.lr_sweep_dir("short", train.FULL.lr))
    assert same_rate["config"] == committed["config"] and same_rate["text_sha256"] == committed["text_sha256"]
    assert {(r["variant"], r["seed"]) for r in same_rate["runs"]} == {(v, s) for v in model.FFN_NAMES for s in (0, 1)}
    for r in same_rate["runs"]:
        want = by_run[r["variant"], r["seed"]]
        assert r["curve"] == want["curve"] and r["heldout_loss"] == want["heldout_loss"], (r["variant"], r["seed"])
        assert r["initial_heldout_loss"] == want["initial_heldout_loss"] and r["sample"] == want["sample"]
    manifest = checkpoints.read_manifest()
    assert manifest["text_sha256"] == committed["text_sha256"]
    assert sorted(manifest["models"]) == sorted(f"{v}/0" for v in model.FFN_NAMES)
    for v in model.FFN_NAMES:
        entry = manifest["models"][f"{v}/0"]
        assert entry["heldout_loss"] == by_run[v, 0]["heldout_loss"], v
        assert entry["curve"] == by_run[v, 0]["curve"], v


# ---- TrainConfig holds a ModelConfig ----
def test_train_config_holds_the_model_config_and_replace_reaches_it():
    config = train.QUICK.replace(variant="swiglu", steps=50)
    assert isinstance(config.model, model.ModelConfig) and config.model.vocab_size is None
    assert config.model.variant == "swiglu" and config.steps == 50
    assert config.model.d_model == train.QUICK.model.d_model  # the rest kept
    built = config.model_config(vocab_size=11)
    assert built == config.model.replace(vocab_size=11)
    assert config.replace(model=model.ModelConfig(d_model=8, n_heads=2)).model.d_model == 8
    assert train.TrainConfig.from_dict(train.FULL.as_dict()) == train.FULL
    assert list(train.FULL.as_dict())[:6] == list(train.MODEL_FIELDS)
    with pytest.raises(ValueError, match="differs from the text's"):
        config.replace(model=config.model.replace(vocab_size=5)).model_config(vocab_size=11)
    with pytest.raises(TypeError, match="model must be a glulib.model.ModelConfig"):
        train.TrainConfig(model="relu")
    with pytest.raises(ValueError, match="from_dict: settings missing"):
        train.TrainConfig.from_dict({"variant": "relu"})
    with pytest.raises(ValueError, match="stop_after must be None or an integer"):
        train.train(textdata.load_corpus(), TINY_RUN, seed=0, stop_after=2.5)


# ---- nothing lost, nothing wrong accepted: the results files ----
def _small_results(corpus, tmp_path, **kw):
    return experiment.run_experiment(corpus, TINY_RUN.replace(steps=2, eval_every=1), seeds=[0, 1],
                                     variants=["relu", "glu"], sample_chars=4, **kw)


@pytest.fixture(scope="module")
def small(corpus):
    return experiment.run_experiment(corpus, TINY_RUN.replace(steps=2, eval_every=1), seeds=[0, 1],
                                     variants=["relu", "glu"], sample_chars=4)


def _copy(results):
    return json.loads(json.dumps(results))


def test_the_committed_results_load_as_complete_and_agree_with_their_csv(committed):
    state = experiment.completeness(committed)
    assert state == {"complete": True, "done": 32, "expected": 32, "missing": []}
    assert experiment.is_full_comparison(committed)
    csv = (experiment.RESULTS_DIR / experiment.CSV_FILE).read_text()
    assert csv == experiment.csv_text(committed)


def test_an_interrupted_experiment_leaves_an_incomplete_file_that_is_flagged(small, tmp_path):
    partial = _copy(small)
    partial["runs"], partial["complete"] = partial["runs"][:1], False
    experiment.save(partial, tmp_path)
    with pytest.raises(experiment.IncompleteResultsError, match=r"incomplete: 1 of 4 runs finished \(missing glu seed 0"):
        experiment.load_results(tmp_path)
    loaded = experiment.load_results(tmp_path / "runs.json", require_complete=False)
    assert experiment.completeness(loaded) == {"complete": False, "done": 1, "expected": 4,
                                               "missing": [("glu", 0), ("relu", 1), ("glu", 1)]}
    assert issubclass(experiment.IncompleteResultsError, experiment.ResultsError)


def test_progress_of_a_run_is_saved_after_each_run_and_never_as_complete_early(corpus, tmp_path):
    seen = []

    def on_run(results, k, n):
        experiment.save(results, tmp_path)
        seen.append((k, n, experiment.load_results(tmp_path, require_complete=False)["complete"]))

    _small_results(corpus, tmp_path, on_run=on_run)
    assert seen == [(1, 4, False), (2, 4, False), (3, 4, False), (4, 4, True)]
    assert experiment.load_results(tmp_path)["complete"]


def test_only_the_full_comparison_may_replace_the_committed_results(small):
    with pytest.raises(experiment.ResultsError, match="holds committed results"):
        experiment.save(small, experiment.RESULTS_DIR)


def test_quick_and_subset_runs_default_to_scratch_and_cannot_target_data_results(tmp_path, monkeypatch, capsys):
    for argv in (["--quick"], ["--seeds", "1"], ["--variants", "relu,glu"]):
        with pytest.raises(SystemExit):
            experiment.main(argv + ["--out", str(experiment.RESULTS_DIR)])
        assert "holds committed results: only its own full comparison" in capsys.readouterr().err
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with pytest.raises(SystemExit):  # checked before any training starts
        experiment.main(["--quick", "--out", str(blocker / "sub")])
    assert "cannot write results to" in capsys.readouterr().err


def test_a_truncated_csv_is_caught(small, tmp_path):
    experiment.save(small, tmp_path)
    text = (tmp_path / "runs.csv").read_text()
    (tmp_path / "runs.csv").write_text(text[: len(text) // 2])
    with pytest.raises(experiment.ResultsError, match="disagrees"):
        experiment.load_results(tmp_path)
    (tmp_path / "runs.csv").unlink()
    with pytest.raises(experiment.ResultsError, match="runs.csv is missing"):
        experiment.load_results(tmp_path)


def _break(results, how):
    r = _copy(results)
    how(r)
    return r


MALFORMED = {
    "a list at the top": (lambda r: None, "the top level must be an object"),
    "runs null": (lambda r: r.update(runs=None), "runs must be a list"),
    "an empty curve": (lambda r: r["runs"][0]["curve"].update(step=[], train_loss=[], heldout_loss=[]),
                       "non-empty lists"),
    "a missing run key": (lambda r: r["runs"][1].pop("seed"), r"run 1: keys missing \['seed'\]"),
    "a string loss": (lambda r: r["runs"][0].update(heldout_loss="1.8"), "heldout_loss must be a finite number"),
    "a NaN loss": (lambda r: r["runs"][0]["curve"]["heldout_loss"].__setitem__(0, float("nan")), "finite"),
    "a run that is a list": (lambda r: r["runs"].__setitem__(0, []), "run 0: must be an object"),
    "an unknown variant": (lambda r: r.update(variants=["relu", "swishglu"]), "variants must be"),
    "seeds null": (lambda r: r.update(seeds=None), "seeds must be"),
    "a bad config": (lambda r: r["config"].update(steps=-1), "config is not a valid"),
    "complete but missing runs": (lambda r: r["runs"].pop(), "complete is true but 1"),
    "a duplicated run": (lambda r: r["runs"].__setitem__(1, r["runs"][0]), "a second run of relu seed 0"),
    "a curve that is a string": (lambda r: r["runs"][0].update(curve="1,2"), "curve must be an object"),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_a_malformed_file_is_a_clear_error_naming_file_and_problem(small, tmp_path, name):
    how, match = MALFORMED[name]
    bad = [] if name == "a list at the top" else _break(small, how)
    (tmp_path / "runs.json").write_text(json.dumps(bad))
    (tmp_path / "runs.csv").write_text("")
    with pytest.raises(experiment.ResultsError, match=match) as info:
        experiment.load_results(tmp_path / "runs.json")
    assert str(tmp_path / "runs.json") in str(info.value)
    if name != "a list at the top":
        with pytest.raises(experiment.ResultsError, match=match):
            experiment.summary(bad)


def test_files_that_are_not_json_are_clear_errors(tmp_path):
    path = tmp_path / "runs.json"
    path.write_text('{"schema_version": 1, "runs": [')
    with pytest.raises(experiment.ResultsError, match=r"runs.json is not valid JSON .*line 1"):
        experiment.load_results(path)
    path.write_bytes(b"\xff\xfe{}")
    with pytest.raises(experiment.ResultsError, match="is not UTF-8 text"):
        experiment.load_results(path)
    with pytest.raises(FileNotFoundError, match="git checkout data/results"):
        experiment.load_results(tmp_path / "nothing.json")


def test_the_paper_table_comes_from_the_csv():
    table = experiment.paper_table()
    assert list(table) == list(model.FFN_NAMES)
    csv_rows = (experiment.RESULTS_DIR.parent / "shazeer2020_table1.csv").read_text().splitlines()[1:]
    for line, v in zip(csv_rows, model.FFN_NAMES):
        label, gated, short, std, long = line.split(",")
        assert table[v] == (float(short), float(std), float(long))
        assert (gated == "yes") == (v in model.VARIANTS)


def test_the_command_line_keeps_progress_apart_until_the_end(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(train, "QUICK", TINY_RUN.replace(steps=2, eval_every=1))
    monkeypatch.setattr(experiment.runner, "SAMPLE_CHARS", 4)
    out = tmp_path / "out"
    experiment.main(["--quick", "--variants", "relu,glu", "--seeds", "2", "--out", str(out)])
    assert sorted(p.name for p in out.iterdir()) == ["runs.csv", "runs.json"]  # partial/ cleaned up
    done = experiment.load_results(out)
    assert experiment.completeness(done)["done"] == 4 and not experiment.is_full_comparison(done)
    assert "wrote" in capsys.readouterr().err

    real_save = experiment.save

    def save_then_interrupt(results, out_dir):  # Ctrl-C right after the first run is saved
        real_save(results, out_dir)
        raise KeyboardInterrupt

    monkeypatch.setattr(experiment.results, "save", save_then_interrupt)
    before = (out / "runs.json").read_bytes()
    with pytest.raises(SystemExit) as info:
        experiment.main(["--quick", "--variants", "relu,glu", "--seeds", "2", "--out", str(out)])
    assert info.value.code == 130
    assert (out / "runs.json").read_bytes() == before  # the finished results are untouched
    partial = experiment.load_results(out / experiment.PARTIAL_DIR, require_complete=False)
    assert experiment.completeness(partial)["done"] == 1
    with pytest.raises(experiment.IncompleteResultsError):
        experiment.load_results(out / experiment.PARTIAL_DIR)
    assert "is unchanged" in capsys.readouterr().err


_JUNK = st.recursive(st.none() | st.booleans() | st.integers(-3, 10**20) | st.floats() | st.text(max_size=5),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                                  max_size=3), max_leaves=6)


@settings(max_examples=150)
@given(data=st.data())
def test_any_damage_to_a_results_dict_is_reported_never_raised(small, data):
    """Replace one value anywhere in a valid results dict with junk: check_schema returns a
    list of problems (never raises), and summary either works or raises ResultsError."""
    results = _copy(small)
    node, path = results, []
    while isinstance(node, (dict, list)) and node and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
        parent, node = node, node[key]
        path.append(key)
    if path:
        parent[path[-1]] = data.draw(_JUNK)
    problems = experiment.check_schema(results)
    assert isinstance(problems, list)
    try:
        experiment.summary(results)
    except experiment.ResultsError:
        assert problems


# ---- every core, resumable, budgets as data (issue 15) ----
SWEEP = dict(seeds=[0, 1], variants=["relu", "glu", "swiglu"], sample_chars=4)
TINY_SWEEP = TINY_RUN.replace(steps=4, eval_every=2)


def _numbers(results):
    """Everything a run computed: each run without its wall time, in the file's order."""
    return [{k: v for k, v in r.items() if k != "wall_time_s"} for r in results["runs"]]


@pytest.fixture(scope="module")
def sequential(corpus):
    return experiment.run_experiment(corpus, TINY_SWEEP, n_jobs=1, **SWEEP)


def test_a_parallel_sweep_gives_the_sequential_numbers_to_the_bit(corpus, sequential):
    parallel = experiment.run_experiment(corpus, TINY_SWEEP, n_jobs=2, **SWEEP)
    assert parallel["complete"] and sequential["complete"]
    assert [(r["seed"], r["variant"]) for r in parallel["runs"]] == [(s, v) for s in (0, 1)
                                                                     for v in SWEEP["variants"]]
    assert _numbers(parallel) == _numbers(sequential)
    assert {k: v for k, v in parallel.items() if k not in ("runs", "started_utc", "wall_time_s")} == \
        {k: v for k, v in sequential.items() if k not in ("runs", "started_utc", "wall_time_s")}


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_an_interrupted_sweep_keeps_its_runs_and_resumes_to_the_same_numbers(corpus, sequential, tmp_path, n_jobs):
    def interrupt_after_3(results, k, n):
        experiment.save(results, tmp_path)
        if k == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        experiment.run_experiment(corpus, TINY_SWEEP, n_jobs=n_jobs, on_run=interrupt_after_3, **SWEEP)
    partial = experiment.load_results(tmp_path, require_complete=False)
    assert experiment.completeness(partial)["done"] == 3
    trained = []
    resumed = experiment.run_experiment(corpus, TINY_SWEEP, n_jobs=n_jobs, previous=partial,
                                        on_run=lambda r, k, n: trained.append(k), **SWEEP)
    assert trained == [4, 5, 6]  # the three finished runs are not trained again
    assert resumed["complete"] and _numbers(resumed) == _numbers(sequential)
    assert resumed["started_utc"] == partial["started_utc"]


def test_only_runs_with_the_same_settings_and_text_are_reused(corpus, sequential):
    same = experiment.reusable_runs(sequential, corpus, TINY_SWEEP, [0], ["glu", "relu"])
    assert sorted((r["variant"], r["seed"]) for r in same) == [("glu", 0), ("relu", 0)]
    assert experiment.reusable_runs(sequential, corpus, TINY_SWEEP.replace(lr=1e-3), [0, 1], ["relu"]) == []
    other_text = _copy(sequential)
    other_text["text_sha256"] = "0" * 64
    assert experiment.reusable_runs(other_text, corpus, TINY_SWEEP, [0, 1], ["relu"]) == []
    assert experiment.reusable_runs({"runs": "damaged"}, corpus, TINY_SWEEP, [0], ["relu"]) == []
    assert experiment.reusable_runs(None, corpus, TINY_SWEEP, [0], ["relu"]) == []
    # a resumed sweep that needs nothing new is complete at once
    again = experiment.run_experiment(corpus, TINY_SWEEP, previous=sequential, **SWEEP)
    assert again["complete"] and _numbers(again) == _numbers(sequential)


def test_bad_parallel_settings_are_clear_errors(corpus):
    with pytest.raises(ValueError, match="n_jobs must be None"):
        experiment.run_experiment(corpus, TINY_SWEEP, n_jobs=0, **SWEEP)
    with pytest.raises(ValueError, match="on_step .* needs n_jobs=1"):
        experiment.run_experiment(corpus, TINY_SWEEP, n_jobs=2, on_step=lambda *a: None, **SWEEP)
    assert experiment.default_jobs() >= 1
    with pytest.raises(ValueError, match="budget must be one of"):
        experiment.budget_dir("medium")


def test_the_budgets_are_data_and_the_long_one_has_8x_the_tokens():
    short, long = experiment.BUDGETS["short"], experiment.BUDGETS["long"]
    assert short == train.FULL
    assert long.steps * long.batch_size >= 8 * short.steps * short.batch_size
    assert long.replace(steps=short.steps, eval_every=short.eval_every) == short  # nothing else differs
    assert experiment.budget_dir("short") == experiment.RESULTS_DIR
    folders = {experiment.budget_dir("long")} | {experiment.lr_sweep_dir("short", lr) for lr in experiment.LR_SWEEP}
    assert len(folders) == 1 + len(experiment.LR_SWEEP) and experiment.RESULTS_DIR not in folders
    assert train.FULL.lr in experiment.LR_SWEEP


def test_the_wall_time_estimate_scales_a_measured_step(corpus):
    config = TINY_RUN.replace(steps=100, eval_every=10)
    seconds, step_s, eval_s = experiment.estimate_wall_time(corpus, config, 5, 2, step_s=(0.01, 0.1))
    assert (step_s, eval_s) == (0.01, 0.1)
    assert seconds == pytest.approx(3 * (100 * 0.01 + 11 * 0.1))  # 5 runs on 2 processes: 3 waves of runs
    step_s, eval_s = train.time_step(corpus, TINY_RUN, steps=2)
    assert step_s > 0 and eval_s > 0 and math.isfinite(step_s + eval_s)  # measured, not typed in; no upper bound
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        train.time_step(corpus, TINY_RUN, steps=0)


@pytest.fixture
def tiny_modes(tmp_path, monkeypatch):
    """The command line with tiny budgets and two learning rates, results under tmp_path."""
    monkeypatch.setattr(experiment.results, "RESULTS_DIR", tmp_path / "results")
    monkeypatch.setattr(experiment.results, "SCRATCH_DIR", tmp_path / "results" / "scratch")
    monkeypatch.setattr(experiment.results, "BUDGETS", {"short": TINY_RUN.replace(steps=2, eval_every=1),
                                                "long": TINY_RUN.replace(steps=4, eval_every=2)})
    monkeypatch.setattr(experiment.results, "LR_SWEEP", (1e-3, 3e-3))
    return tmp_path / "results"


def test_each_mode_runs_by_name_into_its_own_folder(tiny_modes, capsys):
    experiment.main(["--budget", "long", "--variants", "relu,glu", "--seeds", "1", "--jobs", "2"])
    long = experiment.load_results(tiny_modes / "scratch" / "long")
    assert long["config"]["steps"] == 4 and len(long["runs"]) == 2
    err = capsys.readouterr().err
    assert "expected wall time: about" in err and "min to go" in err
    experiment.main(["--lr-sweep", "--variants", "relu,glu", "--seeds", "1", "--jobs", "1"])
    for lr in (1e-3, 3e-3):
        swept = experiment.load_results(tiny_modes / "scratch" / "lr_sweep" / f"lr_{lr:g}")
        assert swept["config"]["lr"] == lr and swept["config"]["steps"] == 2
    assert not (tiny_modes / "runs.json").exists()  # nothing reached the committed comparison's folder
    experiment.main(["--budget", "long", "--estimate"])
    assert "for 32 runs on" in capsys.readouterr().err
    assert not (tiny_modes / "long").exists()  # an estimate writes nothing


def test_the_command_line_resumes_an_interrupted_sweep(tiny_modes, monkeypatch, capsys):
    argv = ["--budget", "long", "--variants", "relu,glu", "--seeds", "2", "--jobs", "1"]
    real_save, saves = experiment.save, []

    def save_twice_then_interrupt(results, out_dir):
        real_save(results, out_dir)
        saves.append(len(results["runs"]))
        if len(saves) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(experiment.results, "save", save_twice_then_interrupt)
    with pytest.raises(SystemExit) as info:
        experiment.main(argv)
    assert info.value.code == 130 and "run the same command again to resume" in capsys.readouterr().err
    monkeypatch.setattr(experiment.results, "save", real_save)
    out = tiny_modes / "scratch" / "long"
    assert experiment.completeness(experiment.load_results(out / "partial", require_complete=False))["done"] == 2
    experiment.main(argv)
    assert "2 of 4 runs already finished" in capsys.readouterr().err
    resumed = experiment.load_results(out)
    assert not (out / "partial").exists()
    fresh_out = tiny_modes.parent / "fresh"
    experiment.main(argv + ["--out", str(fresh_out)])
    assert _numbers(resumed) == _numbers(experiment.load_results(fresh_out))


def test_a_partial_file_of_other_settings_is_not_resumed(tiny_modes, capsys):
    argv = ["--variants", "relu", "--seeds", "1", "--jobs", "1"]
    out = tiny_modes / "scratch" / "long"
    other = experiment.run_experiment(textdata.load_corpus(), TINY_RUN.replace(steps=3, eval_every=3),
                                      seeds=[0], variants=["relu"], sample_chars=4)
    other["complete"] = False
    experiment.save(other, out / "partial")
    experiment.main(["--budget", "long"] + argv)
    assert "not resuming" in capsys.readouterr().err
    assert experiment.load_results(out)["config"]["steps"] == 4
