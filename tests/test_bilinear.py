"""glulib.bilinear: a Bilinear FFN's output along a direction as a quadratic form, and its eigenvectors."""

import numpy as np
import pytest

import glulib
from glulib import bilinear, checkpoints, microscope, textdata


def _layer(seed=0, d_model=12, d_ff=20):
    rng = np.random.default_rng(seed)
    return glulib.init_ffn(d_model, d_ff, "bilinear", rng, dtype=np.float64), rng


def test_the_quadratic_form_is_the_ffn_along_the_direction():
    p, rng = _layer()
    u = rng.standard_normal(12)
    x = rng.standard_normal((50, 12))
    Q = bilinear.quadratic_form(p["W"], p["V"], p["W2"], u)
    assert np.allclose(Q, Q.T)
    np.testing.assert_allclose(np.einsum("nd,de,ne->n", x, Q, x), glulib.ffn(x, p, "bilinear") @ u, rtol=1e-10, atol=1e-10)


def test_the_eigenvectors_rebuild_the_output_and_come_largest_first():
    p, rng = _layer(1)
    u = rng.standard_normal(12)
    lam, vecs = bilinear.eigen(bilinear.quadratic_form(p["W"], p["V"], p["W2"], u))
    assert np.all(np.diff(np.abs(lam)) <= 0) and np.allclose(vecs.T @ vecs, np.eye(12))
    x = rng.standard_normal((30, 12))
    np.testing.assert_allclose(((x @ vecs) ** 2) @ lam, glulib.ffn(x, p, "bilinear") @ u, rtol=1e-10, atol=1e-10)
    assert bilinear.captured(lam, 12) == pytest.approx(1.0)
    assert bilinear.captured(lam, 1) == pytest.approx(lam[0] ** 2 / np.sum(lam ** 2))


def test_a_rank_one_layer_has_one_eigenvalue_per_sign():
    # One unit: u . y = c (x.w)(x.v), whose form (w v^T + v w^T) c / 2 has rank 2, eigenvalues of both signs.
    rng = np.random.default_rng(2)
    w, v = rng.standard_normal((2, 6, 1))
    W2 = rng.standard_normal((1, 6))
    lam, _ = bilinear.eigen(bilinear.quadratic_form(w, v, W2, np.ones(6)))
    assert np.sum(np.abs(lam) > 1e-12) == 2 and lam[0] * lam[1] < 0
    assert bilinear.captured(lam, 2) == pytest.approx(1.0)


def test_on_the_trained_model_the_form_reproduces_the_last_layers_ffn_on_real_inputs():
    params, config = checkpoints.load_model("bilinear")
    corpus = textdata.load_corpus()
    tokens, _ = microscope.passage(corpus, 0, 2, config.seq_len)
    x = bilinear.ffn_inputs(params, config, tokens, 1)
    states = microscope.record(params, config, tokens)
    np.testing.assert_allclose(x @ params["1.ffn.W"], states.gate_input[1], rtol=1e-4, atol=1e-4)
    u = bilinear.readout_directions(params)[corpus.encode("\n")[0]]
    Q = bilinear.quadratic_form(params["1.ffn.W"], params["1.ffn.V"], params["1.ffn.W2"], u)
    y = states.product[1] @ params["1.ffn.W2"]  # (n, d_model), the FFN's output
    np.testing.assert_allclose(np.einsum("nd,de,ne->n", x, Q, x), y @ u, rtol=1e-4, atol=1e-4 * np.abs(y @ u).max())


def test_top_tokens_finds_the_largest_projections_with_their_context():
    text = "abcdefgh"
    proj = np.array([0.1, -3.0, 0.2, 2.0, 0.0, 0.0, 0.0, 0.5])
    assert bilinear.top_tokens(proj, text, k=2, before=1, after=1) == [("a", "b", "c", -3.0), ("c", "d", "e", 2.0)]
    assert bilinear.top_tokens(proj, text, k=1, before=5, seq_len=4)[0][0] == "a"


def test_bad_input_gets_a_clear_error():
    p, _ = _layer()
    with pytest.raises(ValueError, match=r"quadratic_form: direction must have shape \(d_model,\) = \(12,\)"):
        bilinear.quadratic_form(p["W"], p["V"], p["W2"], np.ones(5))
    with pytest.raises(ValueError, match="direction holds NaN"):
        bilinear.quadratic_form(p["W"], p["V"], p["W2"], np.full(12, np.nan))
    with pytest.raises(ValueError, match="W and V must be"):
        bilinear.quadratic_form(p["W"], p["V"].T, p["W2"], np.ones(12))
    with pytest.raises(ValueError, match="eigen: Q must be a symmetric square matrix"):
        bilinear.eigen(np.arange(9.0).reshape(3, 3))
    with pytest.raises(ValueError, match="captured: k must be at most the number of eigenvalues 3"):
        bilinear.captured(np.ones(3), 4)
    with pytest.raises(ValueError, match="top_tokens: projection must be"):
        bilinear.top_tokens(np.ones(3), "ab")
    params, config = checkpoints.load_model("bilinear")
    with pytest.raises(ValueError, match=r"ffn_inputs: layer must be an integer in \[0, 2\), got 2"):
        bilinear.ffn_inputs(params, config, np.zeros((1, 4), dtype=np.int64), 2)


def test_ffn_inputs_rejects_bad_tokens_and_config():
    params, config = checkpoints.load_model("bilinear")
    with pytest.raises(ValueError, match="ffn_inputs: tokens must be integer ids"):
        bilinear.ffn_inputs(params, config, np.full((1, 4), config.vocab_size), 0)
    with pytest.raises(TypeError, match="ffn_inputs: config must be a glulib.model.ModelConfig"):
        bilinear.ffn_inputs(params, None, np.zeros((1, 4), dtype=np.int64), 0)
