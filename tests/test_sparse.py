"""glulib.sparse: one token's FFN that computes V and W2 only for the kept units."""

import numpy as np
import pytest

import glulib
from glulib import sparse
from glulib.elementwise import activate

D_MODEL, D_FF = 48, 130


def _setup(variant="swiglu", dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    params = glulib.init_ffn(D_MODEL, D_FF, variant, rng, dtype=dtype)
    x = rng.standard_normal(D_MODEL).astype(dtype)  # (d_model,)
    return params, x


def _reference(x, params, variant, keep):
    """NumPy: the kept units' opening * value times their rows of W2, written out."""
    opening = activate(x @ params["W"], sparse.GATED[variant])  # (d_ff,)
    value = x @ params["V"]  # (d_ff,)
    return (opening[keep] * value[keep]) @ params["W2"][keep]  # (d_model,)


@pytest.mark.parametrize("variant", ["swiglu", "geglu", "reglu", "glu", "bilinear"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_keeping_every_unit_is_the_dense_ffn(variant, dtype):
    params, x = _setup(variant, dtype)
    packed = sparse.pack(params)
    y, kept = sparse.sparse_ffn_token(x, packed, variant, k=D_FF)
    dense = glulib.ffn(x[None, :], params, variant)[0]  # (d_model,)
    assert y.dtype == dtype and np.array_equal(kept, np.arange(D_FF))
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y, dense, rtol=rtol, atol=rtol * np.abs(dense).max())


@pytest.mark.parametrize("k", [1, 7, 65, 129])
def test_top_k_keeps_the_largest_openings_and_is_exact_on_them(k):
    params, x = _setup()
    y, kept = sparse.sparse_ffn_token(x, sparse.pack(params), "swiglu", k=k)
    magnitude = np.abs(activate(x @ params["W"], "silu"))  # (d_ff,)
    assert kept.size == k and np.all(np.diff(kept) > 0)
    dropped = np.setdiff1d(np.arange(D_FF), kept)
    assert magnitude[kept].min() >= magnitude[dropped].max()
    np.testing.assert_allclose(y, _reference(x, params, "swiglu", kept), rtol=1e-12, atol=1e-12)


def test_top_k_breaks_ties_by_the_lower_index():
    params, x = _setup("reglu")
    params["W"][:, :60] = 0.0  # units 0..59: gate input 0, opening exactly 0 (a 60-way tie)
    opening = activate(x @ params["W"], "relu")
    n_open = int(np.count_nonzero(opening))
    _, kept = sparse.sparse_ffn_token(x, sparse.pack(params), "reglu", k=n_open + 5)
    assert set(kept) == set(np.flatnonzero(opening)) | {0, 1, 2, 3, 4}


def test_threshold_zero_on_reglu_is_exact_and_drops_the_closed_units():
    params, x = _setup("reglu")
    y, kept = sparse.sparse_ffn_token(x, sparse.pack(params), "reglu", threshold=0.0)
    opening = activate(x @ params["W"], "relu")
    assert np.array_equal(kept, np.flatnonzero(opening > 0)) and 0 < kept.size < D_FF
    np.testing.assert_allclose(y, glulib.ffn(x[None, :], params, "reglu")[0], rtol=1e-12, atol=1e-12)


def test_threshold_keeps_the_units_above_it():
    params, x = _setup()
    magnitude = np.abs(activate(x @ params["W"], "silu"))
    threshold = float(np.median(magnitude))
    y, kept = sparse.sparse_ffn_token(x, sparse.pack(params), "swiglu", threshold=threshold)
    assert np.array_equal(kept, np.flatnonzero(magnitude > threshold))
    np.testing.assert_allclose(y, _reference(x, params, "swiglu", kept), rtol=1e-12, atol=1e-12)


def test_pack_stores_each_units_value_weights_as_a_contiguous_row():
    params, _ = _setup(dtype=np.float32)
    packed = sparse.pack(params)
    assert packed["V_rows"].shape == (D_FF, D_MODEL) and packed["V_rows"].flags.c_contiguous
    assert np.array_equal(packed["V_rows"][5], params["V"][:, 5]) and packed["W2"].flags.c_contiguous


def test_bad_input_gets_a_clear_error():
    params, x = _setup()
    packed = sparse.pack(params)
    run = sparse.sparse_ffn_token
    with pytest.raises(ValueError, match=r"k must be between 1 and d_ff = 130, got 0"):
        run(x, packed, k=0)
    with pytest.raises(ValueError, match=r"k must be between 1 and d_ff = 130, got 131"):
        run(x, packed, k=D_FF + 1)
    with pytest.raises(TypeError, match="k must be an integer, got float 3.5"):
        run(x, packed, k=3.5)
    with pytest.raises(ValueError, match="threshold 1e\\+06 keeps no unit: the largest"):
        run(x, packed, threshold=1e6)
    with pytest.raises(ValueError, match="threshold must be >= 0"):
        run(x, packed, threshold=-1.0)
    with pytest.raises(ValueError, match="give exactly one of k"):
        run(x, packed)
    with pytest.raises(ValueError, match="give exactly one of k"):
        run(x, packed, k=3, threshold=0.1)
    with pytest.raises(ValueError, match=r"one token of shape \(d_model,\) = \(48,\), got \(2, 48\)"):
        run(np.stack([x, x]), packed, k=3)
    with pytest.raises(TypeError, match="x must have the weights' dtype float64, got float32"):
        run(x.astype(np.float32), packed, k=3)
    with pytest.raises(ValueError, match="x holds NaN"):
        run(np.full(D_MODEL, np.nan), packed, k=3)
    with pytest.raises(ValueError, match="unknown variant 'relu'"):
        run(x, packed, "relu", k=3)
    with pytest.raises(TypeError, match="packed must be the dict glulib.sparse.pack returns"):
        run(x, params, k=3)
    with pytest.raises(ValueError, match="params needs \\['V'\\]"):
        sparse.pack({"W": params["W"], "W2": params["W2"]})
    with pytest.raises(ValueError, match="no biases"):
        sparse.pack({**params, "b": np.zeros(D_FF)})
    with pytest.raises(ValueError, match="W2 of shape \\(d_ff, d_model\\)"):
        sparse.pack({**params, "W2": params["W2"].T})
    with pytest.raises(TypeError, match="must share one dtype"):
        sparse.pack({**params, "V": params["V"].astype(np.float32)})
    with pytest.raises(TypeError, match="params\\['W'\\] must hold real numbers"):
        sparse.pack({**params, "W": params["W"].astype(complex)})


def test_the_bench_finds_the_break_even_between_levels_and_counts_the_bytes_read():
    from bench.bench_sparse import break_even, bytes_read
    assert break_even((0.0, 0.2, 0.4), (0.8, 0.9, 1.1)) == pytest.approx(0.3)
    assert break_even((0.0, 0.5), (1.2, 2.0)) == 0.0 and break_even((0.0, 0.5), (0.5, 0.9)) is None
    assert bytes_read(1536) == 3 * 4 * 576 * 1536 and bytes_read(0) == 4 * 576 * 1536


def test_loop_source_is_the_kept_units_loop():
    src = sparse.loop_source()
    assert "def _kept_units" in src and "for t in range(kept.size)" in src
