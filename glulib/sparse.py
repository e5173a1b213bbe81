"""Sparsity that buys speed: one token's gated FFN that computes the value and the output
only for the units whose gate is open.

Decoding runs one token at a time, and a token's FFN reads every weight it uses from memory
once: at d_model 576, d_ff 1536 that is 3.5 MB per matrix, far more than the arithmetic costs.
A unit whose opening act(x W_j) is 0 (or nearly) adds nothing to the output, so its column
of V and its row of W2 need not be read at all. The gate itself must be computed in full to
know which units those are, so at most 2/3 of the reads can be saved:

    dense:  read W, V, W2            (3 d_model d_ff numbers)
    sparse: read W, then V_j and W2_j for the k kept units (d_model d_ff + 2 k d_model)

``pack`` lays the weights out for this: V is stored transposed, ``V_rows`` (d_ff, d_model),
so that a kept unit's value weights are one contiguous row, as its row of W2 already is.
``sparse_ffn_token`` is the checked entry point; the three kernels below it are the loop.
"""

import inspect

import numpy as np

from . import _validate
from .jit import njit
from .codes import CODES
from .core import activation
from .feedforward import LIBRARY_VARIANTS, VARIANTS

GATED = {**VARIANTS, **LIBRARY_VARIANTS}


def pack(params):
    """The weights of a gated FFN laid out for ``sparse_ffn_token``: a dict with ``W``
    (d_model, d_ff), ``V_rows`` (d_ff, d_model) = V transposed, and ``W2`` (d_ff, d_model),
    all C-contiguous and of one float dtype (float32 or float64, as given).

    ``params`` is a dict with ``W``, ``V`` and ``W2`` in the course's x @ W convention
    (``glulib.init_ffn``, ``glulib.llama`` layers). Biases are not supported: the models this
    is for (LLaMA-style SwiGLU) have none.
    """
    func = "pack"
    if not isinstance(params, dict):
        raise TypeError(f"{func}: params must be a dict with 'W', 'V', 'W2', got {type(params).__name__}")
    missing = [key for key in ("W", "V", "W2") if key not in params]
    if missing:
        raise ValueError(f"{func}: params needs {missing}; got entries {sorted(params)}")
    extra = sorted(set(params) - {"W", "V", "W2"})
    if extra:
        raise ValueError(f"{func}: params may hold only 'W', 'V', 'W2' (no biases), got also {extra}")
    arrays = {key: _validate.float_array(params[key], func, f"params[{key!r}]") for key in ("W", "V", "W2")}
    for key, a in arrays.items():
        _validate.ndim(func, f"params[{key!r}]", a, 2, "(d_model, d_ff)" if key != "W2" else "(d_ff, d_model)")
    d_model, d_ff = arrays["W"].shape
    if arrays["V"].shape != (d_model, d_ff) or arrays["W2"].shape != (d_ff, d_model):
        raise ValueError(f"{func}: expected W and V of shape (d_model, d_ff) = {(d_model, d_ff)} and W2 of "
                         f"shape (d_ff, d_model) = {(d_ff, d_model)}, got V {arrays['V'].shape}, "
                         f"W2 {arrays['W2'].shape}")
    dtypes = {a.dtype for a in arrays.values()}
    if len(dtypes) != 1:
        raise TypeError(f"{func}: W, V and W2 must share one dtype, got "
                        + ", ".join(f"{k} {a.dtype}" for k, a in arrays.items()))
    for key, a in arrays.items():
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{func}: params[{key!r}] holds NaN or inf")
    return {
        "W": np.ascontiguousarray(arrays["W"]),  # (d_model, d_ff)
        "V_rows": np.ascontiguousarray(arrays["V"].T),  # (d_ff, d_model): unit j's value weights, contiguous
        "W2": np.ascontiguousarray(arrays["W2"]),  # (d_ff, d_model)
    }


def sparse_ffn_token(x, packed, variant="swiglu", *, k=None, threshold=None, beta=1.0):
    """One token's gated FFN, computing the value and W2 only for the units it keeps.

    ``x`` (d_model,) is the token's input, of the packed weights' dtype; ``packed`` comes from
    ``pack``. Give exactly one of:
      ``k``: keep the k units with the largest |opening| (ties broken by the lower index);
      ``threshold``: keep the units with |opening| > threshold (threshold 0 keeps every unit
      whose opening is not exactly 0: for ReGLU the result is then exact).

    Returns ``(y, kept)``: y (d_model,) is sum over kept j of opening_j value_j W2[j], and
    kept (n_kept,) the kept units' indices in increasing order. With every unit kept, y equals
    ``glulib.ffn`` up to rounding.
    """
    func = "sparse_ffn_token"
    _validate.choice(variant, GATED, func, "variant")
    if not isinstance(packed, dict) or set(packed) != {"W", "V_rows", "W2"}:
        raise TypeError(f"{func}: packed must be the dict glulib.sparse.pack returns "
                        f"('W', 'V_rows', 'W2'), got {type(packed).__name__}"
                        + (f" with {sorted(packed)}" if isinstance(packed, dict) else ""))
    W, V_rows, W2 = packed["W"], packed["V_rows"], packed["W2"]
    d_model, d_ff = W.shape
    if not (V_rows.shape == W2.shape == (d_ff, d_model)) or not all(a.flags.c_contiguous for a in (W, V_rows, W2)):
        raise ValueError(f"{func}: packed is not laid out as pack() makes it (W {W.shape}, "
                         f"V_rows {V_rows.shape}, W2 {W2.shape}); build it with glulib.sparse.pack")
    if not isinstance(x, np.ndarray):
        x = _validate.float_array(x, func, "x")
    if x.dtype != W.dtype:
        raise TypeError(f"{func}: x must have the weights' dtype {W.dtype}, got {x.dtype}")
    if x.shape != (d_model,):
        raise ValueError(f"{func}: x must be one token of shape (d_model,) = ({d_model},), got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{func}: x holds NaN or inf")
    beta = _validate.real_scalar(beta, func, "beta")
    if (k is None) == (threshold is None):
        raise ValueError(f"{func}: give exactly one of k (how many units to keep) and threshold "
                         f"(keep |opening| > threshold), got k={k!r}, threshold={threshold!r}")
    if k is not None:
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
            raise TypeError(f"{func}: k must be an integer, got {type(k).__name__} {k!r}")
        if not 1 <= k <= d_ff:
            raise ValueError(f"{func}: k must be between 1 and d_ff = {d_ff}, got {k}")
    else:
        threshold = _validate.real_scalar(threshold, func, "threshold")
        if threshold < 0:
            raise ValueError(f"{func}: threshold must be >= 0 (it bounds |opening|), got {threshold}")
    x = np.ascontiguousarray(x)
    opening = np.empty(d_ff, dtype=W.dtype)  # (d_ff,)
    _gate(x, W, CODES[GATED[variant]], beta, opening)
    kept = np.empty(d_ff, dtype=np.int64)  # (d_ff,), the first n_kept used
    if k is not None:
        n_kept = _keep_top_k(opening, int(k), kept)
    else:
        n_kept = _keep_above(opening, threshold, kept)
        if n_kept == 0:
            raise ValueError(f"{func}: threshold {threshold:g} keeps no unit: the largest |opening| "
                             f"for this token is {np.max(np.abs(opening)):.4g}")
    kept = kept[:n_kept]  # (n_kept,)
    y = np.empty(d_model, dtype=W.dtype)  # (d_model,)
    _kept_units(x, V_rows, W2, opening, kept, y)
    return y, kept


def loop_source():
    """The source of the loop over the kept units (the kernel ``sparse_ffn_token`` runs), for reading."""
    return inspect.getsource(getattr(_kept_units, "py_func", _kept_units))  # plain Python under NUMBA_DISABLE_JIT


# ---- the kernels ----


@njit
def _gate(x, W, code, beta, opening):
    """opening = act(x W) for one token: row i of W scaled by x_i, added up (contiguous reads)."""
    d_model, d_ff = W.shape
    gate_input = np.zeros(d_ff, dtype=W.dtype)  # (d_ff,)
    for i in range(d_model):
        xi = x[i]
        for j in range(d_ff):
            gate_input[j] += xi * W[i, j]
    for j in range(d_ff):
        opening[j] = activation(code, gate_input[j], beta)[0]


@njit
def _keep_top_k(opening, k, kept):
    """Writes into kept the indices of the k largest |opening| in increasing order; returns k."""
    d_ff = opening.size
    magnitude = np.abs(opening)  # (d_ff,)
    cut = np.partition(magnitude, d_ff - k)[d_ff - k]  # the k-th largest |opening|
    ties = k
    for j in range(d_ff):
        if magnitude[j] > cut:
            ties -= 1
    n = 0
    for j in range(d_ff):
        if magnitude[j] > cut or (magnitude[j] == cut and ties > 0):
            if magnitude[j] == cut:
                ties -= 1
            kept[n] = j
            n += 1
    return n


@njit
def _keep_above(opening, threshold, kept):
    """Writes into kept the indices with |opening| > threshold, in increasing order; returns how many."""
    n = 0
    for j in range(opening.size):
        if abs(opening[j]) > threshold:
            kept[n] = j
            n += 1
    return n


# "reassoc" lets LLVM split the dot product x . V_j into vector lanes (its sum is then added
# in another order than one by one); no nnan/ninf, so NaN and inf still propagate.
@njit(fastmath={"contract", "reassoc"})
def _kept_units(x, V_rows, W2, opening, kept, y):
    """y = sum over kept units j of opening_j (x . V_j) W2[j]: two contiguous rows per unit."""
    d_model = x.size
    for i in range(d_model):
        y[i] = 0
    for t in range(kept.size):
        j = kept[t]
        value = x.dtype.type(0)  # summed in the arrays' own precision
        for i in range(d_model):
            value += x[i] * V_rows[j, i]
        product = opening[j] * value  # of the arrays' dtype: opening is stored in it
        for i in range(d_model):
            y[i] += product * W2[j, i]
