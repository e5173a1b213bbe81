"""The nulls of notebook 07 (glulib.microscope's untrained_copy, random_set_aucs, null_comparison),
checked against direct computations, and what the notebook says about them on the committed models."""

import numpy as np
import pytest

from glulib import checkpoints, model, textdata
from glulib import microscope as ms

TINY = model.ModelConfig(vocab_size=7, variant="glu", d_model=8, n_layers=2, n_heads=2, seq_len=6, d_ff_baseline=12)


@pytest.fixture(scope="module")
def corpus():
    return textdata.load_corpus()


@pytest.fixture(scope="module")
def tiny_states():
    """Two untrained tiny models (seeds 0 and 1) on the same 'text' of 4 windows of 6 tokens."""
    rng = np.random.default_rng(3)
    tokens = rng.integers(0, 7, (4, 6))  # (4, 6)
    text = "".join("ab\n(1Q "[t] for t in tokens.ravel())  # one character per token, every class present
    return [ms.record(ms.untrained_copy(TINY, s), TINY, tokens, text) for s in (0, 1)]


def test_untrained_copy_is_init_params_from_trains_first_seed_stream():
    got = ms.untrained_copy(TINY, 5)
    want = model.init_params(TINY, np.random.default_rng(np.random.SeedSequence(5).spawn(2)[0]))
    assert set(got) == set(model.param_shapes(TINY))
    for k in got:
        np.testing.assert_array_equal(got[k], want[k])
    assert not np.array_equal(ms.untrained_copy(TINY, 6)["0.ffn.W"], got["0.ffn.W"])


def test_the_committed_models_started_from_their_untrained_copy():
    """A short run moves the weights only part of the way: the trained W still correlates with the
    copy it started from, and not with another seed's."""
    params, config = checkpoints.load_model("swiglu")
    same, other = (ms.untrained_copy(config, s)["0.ffn.W"].ravel() for s in (0, 1))
    trained = params["0.ffn.W"].ravel()
    assert np.corrcoef(trained, same)[0, 1] > 0.3 > abs(np.corrcoef(trained, other)[0, 1])


def test_random_set_aucs_are_the_best_auc_of_random_sets(tiny_states):
    st = tiny_states[0]
    got = ms.random_set_aucs(st, 5, n_sets=7, rng=np.random.default_rng(11))
    rng = np.random.default_rng(11)
    n = st.opening[0].shape[0]
    for g in got:
        mask = np.zeros(n, dtype=bool)
        mask[rng.choice(n, 5, replace=False)] = True
        assert g == pytest.approx(max(ms.auc(o, mask).max() for o in st.opening))
    assert got.shape == (7,)


def test_window_bootstrap_with_every_window_once_is_the_plain_auc(tiny_states):
    st = tiny_states[0]
    masks = ms.class_masks(st.text)
    scores = ms.selectivity(st, masks)
    window = np.repeat(np.arange(4), 6)  # (24,)
    for c, s in scores.items():
        for k in (1, 3):
            got = ms._bootstrap_best_auc(st, s, masks[c], window, np.ones((1, 4)), k)
            assert got[0] == pytest.approx(s.max())
        # a draw that takes window 0 twice and window 1 not at all is the AUC of that text
        w = np.array([[2.0, 0.0, 1.0, 1.0]])
        keep = np.r_[np.arange(0, 6), np.arange(0, 6), np.arange(12, 24)]  # (24,)
        m = masks[c][keep]
        if 0 < m.sum() < m.size:
            flat = np.argsort(-s.ravel(), kind="stable")[:3]
            want = max(ms.auc(st.opening[L][keep][:, [j]], m)[0] for L, j in zip(*np.unravel_index(flat, s.shape)))
            assert ms._bootstrap_best_auc(st, s, masks[c], window, w, 3)[0] == pytest.approx(want)


def test_null_comparison_fields_and_refusals(tiny_states):
    trained, untrained = tiny_states
    out = ms.null_comparison(trained, untrained, 6, n_sets=5, n_boot=50)
    scores = (ms.selectivity(trained), ms.selectivity(untrained))
    assert set(out) == set(scores[0])
    for c, r in out.items():
        assert r["auc"] == pytest.approx(scores[0][c].max()) and r["untrained"] == pytest.approx(scores[1][c].max())
        assert r["gain"] == pytest.approx(r["auc"] - r["untrained"]) and r["gain_low"] <= r["gain_high"]
        assert 0 <= r["random"] <= 1
    with pytest.raises(ValueError, match="seq_len must be a positive integer dividing"):
        ms.null_comparison(trained, untrained, 5)
    with pytest.raises(ValueError, match="level must lie"):
        ms.null_comparison(trained, untrained, 6, level=1.5)
    with pytest.raises(ValueError, match="n_boot must be a positive integer"):
        ms.null_comparison(trained, untrained, 6, n_boot=0)
    with pytest.raises(ValueError, match="size must be an integer"):
        ms.random_set_aucs(trained, 24)
    with pytest.raises(TypeError, match="config must be"):
        ms.untrained_copy("glu")


# ---- what notebook 07 says about the nulls, on the committed models ----
@pytest.fixture(scope="module")
def nulls(corpus):
    out = {}
    for v in model.FFN_NAMES:
        params, config = checkpoints.load_model(v)
        tokens, _ = ms.passage(corpus, ms.PASSAGE_START, ms.PASSAGE_WINDOWS, config.seq_len)
        text = corpus.decode(tokens)
        trained = ms.record(params, config, tokens, text)
        untrained = ms.record(ms.untrained_copy(config, 0), config, tokens, text)
        out[v] = ms.null_comparison(trained, untrained, config.seq_len, rng=np.random.default_rng(0))
    return out


def test_premises_of_the_notebook_on_the_nulls(nulls):
    clears = {v: {c: r["auc"] > r["random"] and r["gain_low"] >= 0.02 for c, r in n.items()} for v, n in nulls.items()}
    for v, n in nulls.items():
        # "the untrained copies already have units that rank line breaks, quotes and indentation high"
        assert all(n[c]["untrained"] > 0.8 for c in ("line break", "quote", "indentation")), v
        # "training adds to that ... for line breaks, indentation, quotes and brackets in every FFN"
        assert all(clears[v][c] for c in ("line break", "indentation", "quote", "bracket")), v
        # digits: "their best units score near 1, yet the untrained copies score near 1 too"
        assert n["digit"]["auc"] > 0.99 and n["digit"]["untrained"] > 0.98 and not clears[v]["digit"], v
        assert n["digit"]["gain_low"] < 0.005, v  # "its interval reaching down to zero or nearly"
        # keywords: "training gains nothing measurable there"
        assert n["keyword"]["gain_low"] < 0, v
        # capital letters clear the nulls "without earning the name" (precision, in the notebook's table)
        assert clears[v]["capital letter"], v
