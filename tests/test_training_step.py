"""The fast training step computes what the plain one does: the model's kernels against the
public layer functions and glulib.ffn, the Numba AdamW against its NumPy lines bit for bit,
float32 training without float64, and the same loss and gradients as the same model in
PyTorch (skipped when torch is not installed). Speed itself is measured by
bench/bench_training.py, never here."""

import numpy as np
import pytest

import glulib
from glulib import model, optim, textdata, train
from glulib.fast import training as kernels

SMALL = dict(vocab_size=11, d_model=12, n_layers=2, n_heads=3, seq_len=9, d_ff_baseline=18)


@pytest.fixture(autouse=True)
def _one_thread():
    with train.single_threaded():
        yield


def _setup(variant, dtype, seed=0):
    cfg = model.ModelConfig(variant=variant, **SMALL)
    rng = np.random.default_rng(seed)
    params = model.init_params(cfg, rng, dtype=dtype)
    tokens = rng.integers(0, cfg.vocab_size, size=(3, cfg.seq_len))  # (B, T)
    targets = rng.integers(0, cfg.vocab_size, size=(3, cfg.seq_len))  # (B, T)
    return cfg, params, tokens, targets


@pytest.mark.parametrize("variant", model.FFN_NAMES)
def test_the_model_ffn_is_glulib_ffn_and_its_training_cache_gives_the_same_gradients(rng, variant):
    d, d_ff = 12, model.ModelConfig(variant=variant, d_ff_baseline=18).d_ff
    x = rng.standard_normal((10, d))  # (n, d)
    p = glulib.init_ffn(d, d_ff, variant, rng, dtype=np.float64)
    dy = rng.standard_normal((10, d))  # (n, d)
    want = glulib.ffn_backward(dy, x, p, variant)
    for training in (False, True):
        y, cache = model._ffn_forward(x, p["W"], p.get("V"), p["W2"], variant, training)
        np.testing.assert_allclose(y, glulib.ffn(x, p, variant), rtol=1e-13, atol=1e-14)
        got = model._ffn_backward(dy, cache)
        assert set(got) == set(want)
        for k in want:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-12, atol=1e-13, err_msg=f"{k} training={training}")


def test_the_model_rmsnorm_kernels_are_the_public_rmsnorm(rng):
    x = rng.standard_normal((2, 5, 7))  # (B, T, d)
    g = rng.standard_normal(7)  # (d,)
    dy = rng.standard_normal((2, 5, 7))  # (B, T, d)
    y, cache = kernels.rmsnorm_rows(x, g)
    np.testing.assert_allclose(y, model.rmsnorm(x, g), rtol=1e-13)
    dx, dg = kernels.rmsnorm_rows_backward(dy, cache)
    want = model.rmsnorm_backward(dy, x, g)
    np.testing.assert_allclose(dx, want["x"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dg, want["g"], rtol=1e-12)


def test_the_causal_softmax_kernels_match_numpy(rng):
    s = rng.standard_normal((4, 6, 6)) * 3  # (N, T, T)
    p = s.copy()
    kernels.causal_softmax(p, 0.5)
    masked = np.where(np.triu(np.ones((6, 6), bool), 1), -np.inf, 0.5 * s)  # (N, T, T)
    want = np.exp(masked - masked.max(-1, keepdims=True))
    want /= want.sum(-1, keepdims=True)
    np.testing.assert_allclose(p, want, rtol=1e-13, atol=1e-16)
    assert np.all(p[:, np.triu_indices(6, 1)[0], np.triu_indices(6, 1)[1]] == 0)
    dp = rng.standard_normal((4, 6, 6))  # (N, T, T)
    ds = dp.copy()
    kernels.causal_softmax_backward_kernel(ds, p, 0.5)
    np.testing.assert_allclose(ds, 0.5 * p * (dp - np.sum(dp * p, -1, keepdims=True)), rtol=1e-12, atol=1e-15)


def test_the_loss_and_its_gradient_match_the_plain_cross_entropy(rng):
    logits = rng.standard_normal((2, 4, 9)) * 4  # (B, T, V)
    targets = rng.integers(0, 9, size=(2, 4))  # (B, T)
    value, logp = model._cross_entropy(logits, targets)
    want_grad = model._cross_entropy_backward(logp, targets)
    got, grad = kernels.cross_entropy_and_grad(logits.copy(), targets)
    assert got == pytest.approx(value, rel=1e-13)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-12, atol=1e-16)


@pytest.mark.parametrize("variant", ["relu", "gelu", "swiglu"])
def test_float32_training_stays_float32_and_matches_float64(variant):
    cfg, p64, tokens, targets = _setup(variant, np.float64)
    p32 = {k: v.astype(np.float32) for k, v in p64.items()}
    loss32, g32 = model.loss_and_grads(p32, tokens, targets, cfg)
    loss64, g64 = model.loss_and_grads(p64, tokens, targets, cfg)
    assert all(g.dtype == np.float32 for g in g32.values())
    assert loss32 == pytest.approx(loss64, rel=1e-5)
    for k in g64:
        scale = np.abs(g64[k]).max() + 1e-12
        assert np.abs(g32[k] - g64[k]).max() / scale < 1e-3, k
    assert model.loss(p32, tokens, targets, cfg) == pytest.approx(loss32, rel=1e-6)


def test_the_numba_adamw_is_the_numpy_adamw_bit_for_bit(rng):
    shapes = {"W": (5, 4), "g": (4,), "emb": (3, 4)}
    fast = {k: rng.standard_normal(s).astype(np.float32) for k, s in shapes.items()}
    # the same numbers in arrays that are not C-contiguous, so that AdamW takes its NumPy lines
    plain = {k: np.asfortranarray(v) for k, v in fast.items() if v.ndim == 2}
    plain["g"] = np.repeat(fast["g"], 2)[::2]  # (4,), a strided view
    assert not any(v.flags.c_contiguous for v in plain.values())
    a = optim.AdamW(fast, weight_decay=0.1, decay=["W"])
    b = optim.AdamW(plain, weight_decay=0.1, decay=["W"])
    for step in range(5):
        grads = {k: rng.standard_normal(s).astype(np.float32) for k, s in shapes.items()}
        a.step(grads, 1e-2 * (step + 1))
        b.step(grads, 1e-2 * (step + 1))
    for k in shapes:
        np.testing.assert_array_equal(fast[k], plain[k])
        np.testing.assert_array_equal(a.m[k], b.m[k])
        np.testing.assert_array_equal(a.v[k], b.v[k])


def test_keeping_freed_memory_is_asked_once_and_training_repeats_to_the_bit():
    assert train.keep_freed_memory() in (True, False)
    assert train.keep_freed_memory.cache_info().currsize == 1
    corpus = textdata.load_corpus()
    tiny = train.QUICK.replace(d_model=16, n_heads=2, d_ff_baseline=48, seq_len=16, batch_size=4, steps=3,
                               eval_every=3, eval_windows=4, warmup=1, variant="gelu")
    a, b = train.train(corpus, tiny, seed=1), train.train(corpus, tiny, seed=1)
    assert a.curve == b.curve and all(np.array_equal(a.params[k], b.params[k]) for k in a.params)


@pytest.mark.parametrize("variant", model.FFN_NAMES)
def test_pytorch_computes_the_same_loss_and_gradients_from_the_same_parameters(variant):
    pytest.importorskip("torch")
    from bench import torch_model

    cfg, params, tokens, targets = _setup(variant, np.float32, seed=3)
    value, grads = model.loss_and_grads(params, tokens, targets, cfg)
    assert torch_model.loss(params, tokens, targets, cfg) == pytest.approx(value, rel=2e-6)
    theirs = torch_model.grads(params, tokens, targets, cfg)
    for k in grads:
        scale = np.abs(theirs[k]).max() + 1e-12
        assert np.abs(grads[k] - theirs[k]).max() / scale < 1e-4, k
