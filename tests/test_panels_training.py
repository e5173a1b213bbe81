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


# ---- two budgets and the learning-rate sweep ----
def _with_losses(results, loss_of):
    """A copy of ``results`` whose run (v, s) ends at ``loss_of(v, s)`` (curve and record agree)."""
    import copy

    out = copy.deepcopy(results)
    for r in out["runs"]:
        r["heldout_loss"] = r["curve"]["heldout_loss"][-1] = float(loss_of(r["variant"], r["seed"]))
    return out


@pytest.fixture(scope="module")
def committed():
    return experiment.load_results()


def _kendall_reference(a, b):
    """Count concordant and discordant pairs of rank positions directly."""
    ra = {v: i for i, v in enumerate(a)}
    rb = {v: i for i, v in enumerate(b)}
    c = d = 0
    for i, u in enumerate(a):
        for w in a[i + 1:]:
            s = (ra[u] - ra[w]) * (rb[u] - rb[w])
            c, d = c + (s > 0), d + (s < 0)
    return (c - d) / (c + d)


def test_kendall_tau_against_a_pair_count(rng):
    names = list(model.FFN_NAMES)
    assert experiment.kendall_tau(names, names) == 1.0
    assert experiment.kendall_tau(names, names[::-1]) == -1.0
    swapped = names[:3] + [names[4], names[3]] + names[5:]
    assert experiment.kendall_tau(names, swapped) == pytest.approx(26 / 28)
    for _ in range(20):
        b = list(rng.permutation(names))
        assert experiment.kendall_tau(names, b) == pytest.approx(_kendall_reference(names, b))
    for a, b in ((names, names[:-1]), (names[:-1] + ["relu"], names[:-1] + ["relu"]), (["relu"], ["relu"])):
        with pytest.raises(ValueError, match="kendall_tau: a and b must order the same"):
            experiment.kendall_tau(a, b)


def test_budgets_table_puts_both_budgets_beside_both_paper_columns(committed):
    short = experiment.summary(committed)
    # a long budget in which the order is reversed: its ranks must follow its own losses
    order = list(model.FFN_NAMES)
    long = experiment.summary(_with_losses(committed, lambda v, s: 2.0 - 0.01 * order.index(v) + 0.001 * s))
    lines = panels.budgets_table(short, long).splitlines()
    assert len(lines) == 2 + len(order)
    paper = experiment.paper_table()
    paper_long_order = sorted(order, key=lambda v: paper[v][2])
    for v, line in zip(order, lines[2:]):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[0] == short[v]["label"]
        assert int(cells[2]) == short[v]["rank"] and int(cells[4]) == len(order) - order.index(v)
        assert cells[5] == ("-" if v == "relu" else f"{long[v]['delta']:+.3f} (+/- {long[v]['delta_ci']:.3f})")
        assert float(cells[8]) == pytest.approx(paper[v][2], abs=5e-4)
        assert int(cells[9]) == paper_long_order.index(v) + 1
    with pytest.raises(ValueError, match="budgets_table: the two summaries"):
        panels.budgets_table(short, dict(reversed(list(long.items()))))


def test_lr_sweep_rows_pick_each_ffns_best_rate(committed):
    order = list(model.FFN_NAMES)
    # every FFN is best at 3e-3 except GLU, best at 1e-2; at 1e-3 the order reverses
    loss = {1e-3: lambda v, s: 2.5 - 0.01 * order.index(v),
            3e-3: lambda v, s: 2.0 + 0.01 * order.index(v) + 0.002 * s,
            1e-2: lambda v, s: (1.5 if v == "glu" else 2.2) + 0.002 * s}
    sweep = {lr: _with_losses(committed, f) for lr, f in loss.items()}
    rows = panels.lr_sweep_rows(sweep)
    assert list(rows) == order
    assert [rows[v]["rank"][1e-3] for v in order] == list(range(len(order), 0, -1))
    assert [rows[v]["rank"][3e-3] for v in order] == list(range(1, len(order) + 1))
    assert rows["glu"]["best_lr"] == 1e-2 and rows["glu"]["best_rank"] == 1
    assert all(rows[v]["best_lr"] == 3e-3 for v in order if v != "glu")
    assert rows["relu"]["best_rank"] == 2 and rows["reglu"]["best_rank"] == len(order)
    np.testing.assert_allclose(rows["relu"]["mean"][3e-3], 2.003)
    table = panels.lr_sweep_table(rows).splitlines()
    assert len(table) == 2 + len(order) and "| GLU | 2.470 (5) | 2.033 (4) | 1.503 (1) | 0.01 | 1 |" in table
    fig = panels.lr_sweep_figure(rows)
    assert len(fig.axes[0].lines) == len(fig.axes[1].lines) == len(order)
    np.testing.assert_allclose(fig.axes[1].lines[order.index("glu")].get_ydata(), [5, 4, 1, 1])
    with pytest.raises(ValueError, match="lr_sweep_rows: sweep must be"):
        panels.lr_sweep_rows({3e-3: committed})
    fewer = {lr: dict(r, variants=r["variants"][:4], runs=[x for x in r["runs"] if x["variant"] in order[:4]])
             for lr, r in sweep.items()}
    fewer[1e-3] = sweep[1e-3]
    with pytest.raises(ValueError, match="lr_sweep_rows: every rate must hold the same FFNs"):
        panels.lr_sweep_rows(fewer)
