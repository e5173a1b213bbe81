"""Notebook 06's panel, figures and exercise checkers (glulib.panels.training, glulib.exercises.training)."""

import numpy as np
import pytest

from glulib import experiment, model, textdata, train
from glulib.exercises import training as ex
from glulib.panels import training as panels

TINY_RUN = train.QUICK.replace(d_model=16, n_heads=2, d_ff_baseline=48, seq_len=16, batch_size=4, steps=10,
                               eval_every=5, eval_windows=4, warmup=2)


@pytest.fixture(scope="module")
def corpus():
    return textdata.load_corpus()


@pytest.fixture(scope="module")
def small_results(corpus):
    return experiment.run_experiment(corpus, TINY_RUN.replace(steps=4, eval_every=2), seeds=[0, 1, 2],
                                     variants=model.FFN_NAMES, sample_chars=8)


@pytest.mark.slow
def test_live_panel_fills_as_it_trains_and_switches_curves(corpus):
    panel = panels.live_panel(["relu", "glu"], TINY_RUN)
    assert all(len(line.get_xdata()) == 0 for line in panel.fig.axes[0].lines)
    runs = panels.run_live(panel, corpus, TINY_RUN, seed=0)
    assert panel.progress.value == panel.progress.max == 20
    assert panel.readouts["run"].value == "done"
    lines = {line.get_label(): line for line in panel.fig.axes[0].lines}
    np.testing.assert_allclose(lines["GLU"].get_ydata(), runs["glu"].curve["heldout_loss"])
    panel.controls["curve"].value = "train"
    np.testing.assert_allclose(lines["ReLU"].get_ydata(), runs["relu"].curve["train_loss"])
    assert panel.fig.axes[0].get_title() == "train loss"
    assert panel.static().data[:8] == b"\x89PNG\r\n\x1a\n"


def test_live_panel_rejects_an_unknown_variant():
    with pytest.raises(ValueError, match="unknown variant 'swishglu'"):
        panels.live_panel(["relu", "swishglu"], TINY_RUN)


@pytest.mark.slow
def test_static_figures_draw_every_variant(small_results):
    fig = panels.curves_figure(small_results)
    assert len(fig.axes[0].lines) == 8
    rows = experiment.summary(small_results)
    fig = panels.changes_figure(rows)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == [rows[v]["label"] for v in rows if v != "relu"]


def test_width_and_matching_checkers(corpus):
    V = corpus.vocab_size
    cfg = train.QUICK.replace(variant="relu")
    full = model.count_params(model.init_params(cfg.model_config(V), np.random.default_rng(0)))
    narrow = model.count_params(model.init_params(cfg.replace(d_ff_baseline=96).model_config(V),
                                                  np.random.default_rng(0)))
    assert ex.check_width_params(full - narrow, V)
    assert not ex.check_width_params((full - narrow) // 2, V)
    assert "one layer" in ex.check_width_params((full - narrow) // 2, V).message
    assert not ex.check_width_params(None, V)
    assert ex.check_unmatched(train.QUICK.model.d_ff_baseline, 1.5)
    assert not ex.check_unmatched(128, 1.5)
    assert not ex.check_unmatched(192, 2.0)


@pytest.mark.slow
def test_result_checkers_follow_the_results(small_results):
    rows = experiment.summary(small_results)
    best = min(rows, key=lambda v: rows[v]["mean"])
    worst = max(rows, key=lambda v: rows[v]["mean"])
    assert ex.check_best_variant(best, small_results)
    assert not ex.check_best_variant(worst, small_results)
    assert not ex.check_best_variant("tanh", small_results)
    beats = [v for v in rows if v != "relu" and rows[v]["delta"] + rows[v]["delta_ci"] < 0]
    assert ex.check_beats_relu(beats, small_results)
    assert not ex.check_beats_relu(beats + ["relu"], small_results)
