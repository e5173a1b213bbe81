"""glulib.train and glulib.experiment: quick mode learns, runs repeat to the bit, and the
committed results follow the schema and come from the committed code."""

import json

import numba
import numpy as np
import pytest

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
