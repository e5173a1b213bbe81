"""glulib.experiment.stats: SciPy's t quantile against the old table, Holm's correction against its
definition, every pair of FFNs with the paired criterion the notebook teaches, and the premises of
notebook 06's sentences about them, on the committed results."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from glulib import experiment, model
from glulib.experiment import stats

#: The two-sided 95% t values the course typed in before (any t table), for a check of SciPy's.
_TABLE = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
          15: 2.131, 20: 2.086, 30: 2.042}


def test_t95_is_scipys_quantile_and_agrees_with_a_printed_table():
    for df, t in _TABLE.items():
        assert experiment.t95(df) == pytest.approx(t, abs=6e-4)
    assert experiment.t95(0) == math.inf and experiment.t95(10**6) == pytest.approx(1.95996, abs=1e-4)
    assert experiment.t95(11) < experiment.t95(10)  # no gaps: 11 used to get the value of 10
    with pytest.raises(TypeError, match="df must be an integer"):
        experiment.t95(3.0)


def _holm_by_definition(p, alpha):
    """Holm's procedure as stated: reject the smallest p-values in order while p_(i) <= alpha / (m - i)."""
    order = sorted(range(len(p)), key=lambda i: p[i])
    rejected = set()
    for rank, i in enumerate(order):
        if p[i] > alpha / (len(p) - rank):
            break
        rejected.add(i)
    return rejected


def test_holm_on_a_worked_example():
    np.testing.assert_allclose(stats.holm([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02])
    assert list(stats.holm([0.5])) == [0.5] and list(stats.holm([0.6, 0.6])) == [1.0, 1.0]
    with pytest.raises(ValueError, match="probabilities"):
        stats.holm([0.1, 1.5])


@given(st.lists(st.floats(0, 1), min_size=1, max_size=30), st.sampled_from([0.01, 0.05, 0.1]))
def test_holm_rejects_exactly_what_the_step_down_procedure_rejects(p, alpha):
    adjusted = stats.holm(p)
    assert {i for i, q in enumerate(adjusted) if q <= alpha} == _holm_by_definition(p, alpha)
    assert np.all(adjusted >= np.asarray(p))


@pytest.fixture(scope="module")
def committed():
    return {"short": experiment.load_results(), "long": experiment.load_results(experiment.budget_dir("long"))}


def test_every_pair_is_the_paired_interval_of_the_table(committed):
    for results in committed.values():
        pairs = stats.pairwise(results)
        assert len(pairs) == 28 and {(q["a"], q["b"]) for q in pairs} == set(itertools.combinations(model.FFN_NAMES, 2))
        rows = experiment.summary(results)
        for q in pairs:
            assert (q["p"] < 0.05) == (abs(q["delta"]) > q["half"])  # the t-test and the interval agree
            if q["a"] == "relu":  # the table's change against ReLU, the other way round
                assert -q["delta"] == pytest.approx(rows[q["b"]]["delta"], abs=1e-12)
                assert q["half"] == pytest.approx(rows[q["b"]]["delta_ci"], rel=1e-12)
        np.testing.assert_allclose([q["p_holm"] for q in pairs], stats.holm([q["p"] for q in pairs]))


def test_the_premises_of_notebook_06s_sentences_on_the_long_budget(committed):
    """"The same paired criterion puts Bilinear behind some of the others, ... after Holm's correction for
    all 28 pairs none remains"; "against ReLU every interval includes zero"."""
    pairs = stats.pairwise(committed["long"])
    raw = [q for q in pairs if q["p"] < 0.05]
    assert raw and all(("bilinear" in (q["a"], q["b"])) and
                       (q["delta"] > 0) == (q["a"] == "bilinear") for q in raw)  # Bilinear the worse one
    assert not [q for q in pairs if q["p_holm"] < 0.05]
    assert all(abs(q["delta"]) <= q["half"] for q in pairs if q["a"] == "relu")
    text = " ".join(experiment.pair_findings(committed["long"]))
    assert f"{len(raw)} of the 28 pairs differ before any correction" in text and "28 (5% chance" in text


def test_the_premise_about_the_top_four_at_each_learning_rate():
    """"At every rate, for most of the six pairs among them the paired interval over the two seeds includes zero"."""
    sweep = {lr: experiment.load_results(experiment.lr_sweep_dir("short", lr)) for lr in experiment.LR_SWEEP}
    shared = sweep[min(sweep, key=lambda lr: abs(lr - 3e-3))]
    rows = experiment.summary(shared)
    top = sorted(rows, key=lambda v: rows[v]["mean"])[:4]
    for results in sweep.values():
        pairs = stats.pairwise(results, top)
        assert len(pairs) == 6 and sum(q["p"] >= 0.05 for q in pairs) > 3


def test_pair_findings_name_the_pairs_or_the_few_that_do_not_differ(committed):
    first, second = experiment.pair_findings(committed["short"])
    assert "differ before any correction; all but" in first  # most pairs differ: the few that do not are named
    assert "after Holm's correction for all 28" in second
    n_holm = sum(q["p_holm"] < 0.05 for q in stats.pairwise(committed["short"]))
    assert f"{n_holm} remain" in second and second.count(" lower than ") == n_holm


def test_the_premise_of_the_limits_paragraph(committed):
    """"every gated FFN but GLU beat ReLU ... judged one comparison at a time ... corrected for testing all 28
    pairs, fewer of these remain"."""
    rows = experiment.summary(committed["short"])
    gated = [v for v in model.VARIANTS if v != "glu"]
    assert all(rows[v]["delta"] + rows[v]["delta_ci"] < 0 for v in gated)
    assert rows["glu"]["delta"] + rows["glu"]["delta_ci"] >= 0
    held = {q["b"] for q in stats.pairwise(committed["short"]) if q["a"] == "relu" and q["p_holm"] < 0.05}
    assert held < set(gated) | {"gelu"} and not set(gated) <= held
