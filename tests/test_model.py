"""glulib.model: every layer and the whole model against finite differences in float64,
equal parameter counts across the eight FFNs, and clear errors for bad input."""

import numpy as np
import pytest

import glulib
from glulib import costs, model, train

TINY = dict(vocab_size=7, d_model=8, n_layers=2, n_heads=2, seq_len=5, d_ff_baseline=12)
TOL = 1e-6  # worst relative error of a float64 gradient against central differences


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny arrays, many calls: on a shared machine BLAS and Numba threads only fight."""
    with train.single_threaded():
        yield


def _tiny(variant, rng):
    cfg = model.ModelConfig(variant=variant, **TINY)
    return cfg, model.init_params(cfg, rng, dtype=np.float64)


def test_rmsnorm_matches_its_definition_and_gradcheck(rng):
    x = rng.standard_normal((3, 4, 6))
    g = rng.standard_normal(6)
    expected = x / np.sqrt(np.mean(x**2, axis=-1, keepdims=True) + model.RMS_EPS) * g
    np.testing.assert_allclose(model.rmsnorm(x, g), expected, rtol=1e-12)
    errors = glulib.gradcheck(model.rmsnorm, model.rmsnorm_backward, x, g)
    assert max(errors.values()) < TOL, errors


def _attention_reference(x, p, n_heads):
    """Loop over batch and heads, one query at a time: the textbook definition."""
    B, T, d = x.shape
    dh = d // n_heads
    q, k, v = x @ p["Wq"], x @ p["Wk"], x @ p["Wv"]
    out = np.zeros_like(x)
    for b in range(B):
        for h in range(n_heads):
            cols = slice(h * dh, (h + 1) * dh)
            for t in range(T):
                s = k[b, : t + 1, cols] @ q[b, t, cols] / np.sqrt(dh)  # keys up to t only
                w = np.exp(s - s.max())
                out[b, t, cols] = (w / w.sum()) @ v[b, : t + 1, cols]
    return out @ p["Wo"]


@pytest.mark.parametrize("n_heads", [1, 2, 4])
def test_attention_is_causal_and_matches_the_loop_reference(rng, n_heads):
    x = rng.standard_normal((2, 5, 8))
    p = {k: rng.standard_normal((8, 8)) / 3 for k in ("Wq", "Wk", "Wv", "Wo")}
    y = model.attention(x, p, n_heads)
    np.testing.assert_allclose(y, _attention_reference(x, p, n_heads), rtol=1e-10, atol=1e-12)
    x2 = x.copy()
    x2[:, 3:] += 1.0  # change the future
    np.testing.assert_array_equal(model.attention(x2, p, n_heads)[:, :3], y[:, :3])


def test_attention_gradcheck(rng):
    x = rng.standard_normal((2, 4, 6))
    p = {k: rng.standard_normal((6, 6)) / 2 for k in ("Wq", "Wk", "Wv", "Wo")}
    errors = glulib.gradcheck(model.attention, model.attention_backward, x, p, 3)
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("variant", model.FFN_NAMES)
def test_block_gradcheck(rng, variant):
    cfg, params = _tiny(variant, rng)
    layer = {k[2:]: v for k, v in params.items() if k.startswith("0.")}
    x = rng.standard_normal((2, 5, 8))
    errors = glulib.gradcheck(model.block, model.block_backward, x, layer, 2, variant)
    assert max(errors.values()) < TOL, errors


@pytest.mark.slow
@pytest.mark.parametrize("variant", model.FFN_NAMES)
def test_full_model_gradients_match_finite_differences(rng, variant):
    cfg, params = _tiny(variant, rng)
    tokens = rng.integers(0, cfg.vocab_size, (2, 5))
    targets = rng.integers(0, cfg.vocab_size, (2, 5))

    def forward(params):
        return np.asarray(model.loss(params, tokens, targets, cfg))

    def backward(dy, params):
        _, grads = model.loss_and_grads(params, tokens, targets, cfg)
        return {k: dy * g for k, g in grads.items()}

    errors = glulib.gradcheck(forward, backward, params, max_points=24)
    assert set(errors) == set(params)
    assert max(errors.values()) < TOL, errors


def test_loss_and_grads_returns_the_loss_and_float32_stays_float32(rng):
    cfg = model.ModelConfig(variant="swiglu", **TINY)
    params = model.init_params(cfg, rng)
    tokens = rng.integers(0, 7, (3, 4))
    targets = rng.integers(0, 7, (3, 4))
    value, grads = model.loss_and_grads(params, tokens, targets, cfg)
    assert value == pytest.approx(model.loss(params, tokens, targets, cfg), rel=1e-6)
    assert all(g.dtype == np.float32 and g.shape == params[k].shape for k, g in grads.items())
    # near-uniform predictions at the start: the loss is close to log(vocab)
    assert abs(value - np.log(7)) < 1.0


def test_eight_variants_have_the_same_parameter_count(rng):
    counts = {}
    for v in model.FFN_NAMES:
        cfg = model.ModelConfig(variant=v, vocab_size=50, d_model=96, d_ff_baseline=384)
        counts[v] = model.count_params(model.init_params(cfg, rng))
        assert costs.ffn_params(cfg.d_model, cfg.d_ff, cfg.variant) == 2 * 96 * 384
    assert len(set(counts.values())) == 1, counts
    assert model.ModelConfig(vocab_size=5, variant="geglu", d_ff_baseline=384, d_model=96).d_ff == 256


def test_generate_is_seeded_and_stays_in_the_vocabulary(rng):
    cfg, params = _tiny("geglu", rng)
    a = model.generate(params, cfg, [1, 2, 3], 12, np.random.default_rng(5))
    b = model.generate(params, cfg, [1, 2, 3], 12, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (12,) and a.min() >= 0 and a.max() < cfg.vocab_size


@pytest.mark.parametrize("bad, match", [
    (dict(variant="swishglu"), "unknown variant"),
    (dict(d_model=10, n_heads=4), "multiple of n_heads"),
    (dict(n_layers=0), "n_layers must be a positive integer"),
])
def test_bad_config_is_a_clear_error(bad, match):
    with pytest.raises(ValueError, match=match):
        model.ModelConfig(**{**TINY, **bad})


def test_bad_tokens_are_a_clear_error(rng):
    cfg, params = _tiny("relu", rng)
    with pytest.raises(ValueError, match=r"forward: tokens must lie in \[0, vocab_size = 7\)"):
        model.forward(params, np.array([[0, 9]]), cfg)
    with pytest.raises(ValueError, match="seq_len = 5"):
        model.forward(params, np.zeros((1, 6), dtype=int), cfg)
    with pytest.raises(TypeError, match="integer token ids"):
        model.forward(params, np.zeros((1, 3)), cfg)
    with pytest.raises(ValueError, match="temperature must be positive"):
        model.generate(params, cfg, [1], 3, rng, temperature=0)


def test_rmsnorm_without_a_gain_and_with_stacked_gradients(rng):
    x = rng.standard_normal((4, 6))
    np.testing.assert_allclose(model.rmsnorm(x), model.rmsnorm(x, np.ones(6)), rtol=0, atol=0)
    errors = glulib.gradcheck(model.rmsnorm, model.rmsnorm_backward, x)
    assert list(errors) == ["x"] and errors["x"] < TOL
    dys = rng.standard_normal((3, 4, 6))  # three gradients through the same normalisation
    stacked = model.rmsnorm_backward(dys, x)["x"]
    for k in range(3):
        np.testing.assert_allclose(stacked[k], model.rmsnorm_backward(dys[k], x)["x"], rtol=1e-14)


@pytest.mark.parametrize("variant", ["relu", "swiglu"])
def test_param_shapes_and_counts_match_init_params(rng, variant):
    cfg, params = _tiny(variant, rng)
    assert {k: v.shape for k, v in params.items()} == model.param_shapes(cfg)
    assert list(params) == list(model.param_shapes(cfg))
    assert model.count_params(cfg) == model.count_params(params)
    with pytest.raises(TypeError, match="count_params: expected a dict of arrays or a ModelConfig"):
        model.count_params([1, 2])


def test_a_config_without_vocabulary_cannot_build_a_model(rng):
    cfg = model.ModelConfig(d_model=8, n_heads=2)
    assert cfg.vocab_size is None
    with pytest.raises(ValueError, match=r"init_params: config.vocab_size is None"):
        model.init_params(cfg, rng)
    with pytest.raises(ValueError, match=r"ModelConfig.replace: unknown fields \['lr'\]"):
        cfg.replace(lr=1.0)


def test_params_that_do_not_fit_the_config_are_a_clear_error(rng):
    cfg, params = _tiny("geglu", rng)
    tokens = np.array([[1, 2, 3]])
    narrow = {**params, "W_out": params["W_out"][:, :5]}
    with pytest.raises(ValueError, match=r"forward: params\['W_out'\] must have shape \(8, 7\).*got \(8, 5\)"):
        model.forward(narrow, tokens, cfg)
    with pytest.raises(ValueError, match=r"missing \['0.ffn.V'\]"):
        model.forward({k: v for k, v in params.items() if k != "0.ffn.V"}, tokens, cfg)
    with pytest.raises(TypeError, match="one dtype"):
        model.forward({**params, "norm_f": params["norm_f"].astype(np.float32)}, tokens, cfg)
    with pytest.raises(TypeError, match=r"params\['W_out'\] must be a float32 or float64 array"):
        model.forward({**params, "W_out": params["W_out"].tolist()}, tokens, cfg)
    with pytest.raises(ValueError, match="loss: targets must have the shape of tokens"):
        model.loss(params, tokens, np.array([[1, 2]]), cfg)
    logits, cache = model.forward(params, tokens, cfg)
    with pytest.raises(ValueError, match="backward: dlogits must have the shape of the logits"):
        model.backward(logits[..., :3], params, cache, cfg)


@pytest.mark.parametrize("n_new", [-1, 2.5, True, "3", None])
def test_generate_refuses_a_bad_count(rng, n_new):
    cfg, params = _tiny("relu", rng)
    with pytest.raises(ValueError, match="generate: n_new must be a non-negative integer"):
        model.generate(params, cfg, [1, 2], n_new, rng)


def test_generate_refuses_bad_prompts_and_zero_tokens_is_empty(rng):
    cfg, params = _tiny("relu", rng)
    assert model.generate(params, cfg, [1, 2], 0, rng).shape == (0,)
    assert model.generate(params, cfg, [1, 2], np.int64(2), rng).shape == (2,)
    with pytest.raises(ValueError, match="prompt must be a 1-D array of at least one token id"):
        model.generate(params, cfg, [], 3, rng)
    with pytest.raises(ValueError, match="prompt must be a 1-D array"):
        model.generate(params, cfg, [[1, 2]], 3, rng)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        model.generate(params, cfg, [1], 3, 0)
    with pytest.raises(ValueError, match="temperature must be finite"):
        model.generate(params, cfg, [1], 3, rng, temperature=float("inf"))
    broken = {**params, "W_out": np.full_like(params["W_out"], np.nan)}
    with pytest.raises(FloatingPointError, match="logits are not finite"):
        model.generate(broken, cfg, [1], 3, rng)
