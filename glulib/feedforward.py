"""The Transformer feed-forward block, with Shazeer (2020)'s letters.

    gated   (GLU, Bilinear, ReGLU, GEGLU, SwiGLU):  y = (act(x W + b) * (x V + c)) W2 + b2
    ungated (the ReLU, GELU and Swish baselines):   y =  act(x W + b)             W2 + b2

``W`` feeds the activated branch (the gate), ``V`` the linear branch (the value), ``W2``
projects from the d_ff space back to d_model. Biases are optional, as T5 drops them.
Matmuls go to BLAS through ``@``; the elementwise work goes to the fused kernels.
"""

from types import MappingProxyType

import numpy as np

from . import _validate
from .codes import CODES
from .elementwise import fused_backward as _glu_backward, fused_forward as _glu_forward

# The name tables below are read-only (MappingProxyType): a learner's edit raises at once
# instead of changing what every module, and every exercise checker, takes as the course's.
#: Gated variants and the activation of their gate (Shazeer 2020, Table 1).
VARIANTS = MappingProxyType({"glu": "sigmoid", "bilinear": "identity", "reglu": "relu", "geglu": "gelu",
                             "swiglu": "silu"})
#: Ungated FFNs the gated ones are compared against.
BASELINES = MappingProxyType({"relu": "relu", "gelu": "gelu", "swish": "silu"})
#: Gated FFNs that libraries run beyond Table 1. T5 v1.1's "gated-gelu" (Hugging Face's
#: ``gelu_new``) and Gemma (``gelu_pytorch_tanh``) gate with the tanh form of GELU,
#: 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))), not with the exact x Phi(x).
LIBRARY_VARIANTS = MappingProxyType({"geglu_tanh": "gelu_tanh"})
#: Every FFN name ``ffn`` accepts, mapped to the activation of its gate (or hidden layer).
FFNS = MappingProxyType({**VARIANTS, **LIBRARY_VARIANTS, **BASELINES})
#: How the course writes each FFN's name (figures, tables, feedback), in Table 1's order.
LABELS = MappingProxyType({"relu": "ReLU", "gelu": "GELU", "swish": "Swish", "glu": "GLU", "bilinear": "Bilinear",
                           "geglu": "GEGLU", "swiglu": "SwiGLU", "reglu": "ReGLU",
                           "geglu_tanh": "GEGLU (tanh form)"})

_SHAPES = {  # entry -> its shape in terms of (d_model, d_ff)
    "W": ("d_model", "d_ff"),
    "V": ("d_model", "d_ff"),
    "W2": ("d_ff", "d_model"),
    "b": ("d_ff",),
    "c": ("d_ff",),
    "b2": ("d_model",),
}


def gate_activation(variant, func="gate_activation"):
    """``(activation, gated)`` for an FFN name: ``("gelu", True)`` for "geglu", ``("relu", False)``
    for "relu". An unknown name is a ValueError that names ``func``, the public function asked."""
    _validate.choice(variant, FFNS, func, "variant")
    return FFNS[variant], variant not in BASELINES


def _check(func, x, params, variant):
    """Validated, same-dtype, contiguous copies of x and params; plus the activation code."""
    activation, gated = gate_activation(variant, func)
    if not isinstance(params, dict):
        raise TypeError(f"{func}: params must be a dict of arrays, got {type(params).__name__}")
    unknown = sorted(set(params) - set(_SHAPES))
    if unknown:
        raise ValueError(f"{func}: params has unknown entries {unknown}; expected some of {list(_SHAPES)}")
    for key in ("W", "W2"):
        if key not in params:
            raise ValueError(f"{func}: params needs {key!r} for variant {variant!r}")
    if gated and "V" not in params:
        raise ValueError(f"{func}: params needs 'V' (the linear branch) for the gated variant {variant!r}")
    if not gated and ("V" in params or "c" in params):
        raise ValueError(
            f"{func}: the ungated variant {variant!r} has no linear branch; drop 'V' and 'c' from params"
        )
    x = _validate.float_array(x, func, "x")
    _validate.ndim(func, "x", x, 2, "(n, d_model)")
    arrays = {k: _validate.float_array(v, func, f"params[{k!r}]") for k, v in params.items()}
    d_model = x.shape[1]
    d_ff = arrays["W"].shape[1] if arrays["W"].ndim == 2 else None
    sizes = {"d_model": d_model, "d_ff": d_ff}
    for key, a in arrays.items():
        expected = tuple(sizes[s] for s in _SHAPES[key])
        if a.shape != expected:
            names = ", ".join(_SHAPES[key])
            raise ValueError(
                f"{func}: params[{key!r}] must have shape ({names}) = {expected} "
                f"for x of shape {x.shape} and W of shape {arrays['W'].shape}, got {a.shape}"
            )
    dtype = np.result_type(x, *arrays.values())
    x = np.ascontiguousarray(x, dtype=dtype)
    arrays = {k: np.ascontiguousarray(a, dtype=dtype) for k, a in arrays.items()}
    return x, arrays, CODES[activation], gated, dtype


def _hidden_inputs(x, p):
    """The two pre-activations: gate input a = xW + b and value u = xV + c (None if ungated)."""
    a = x @ p["W"]  # (n, d_ff)
    if "b" in p:
        a += p["b"]
    u = None
    if "V" in p:
        u = x @ p["V"]  # (n, d_ff)
        if "c" in p:
            u += p["c"]
    return a, u


def _hidden(a, u, code, beta):
    h = np.empty_like(a)  # (n, d_ff)
    if u is None:
        _glu_forward(np.ones_like(a).reshape(-1), a.reshape(-1), h.reshape(-1), code, beta)  # 1 * act(a)
    else:
        _glu_forward(u.reshape(-1), a.reshape(-1), h.reshape(-1), code, beta)
    return h


def ffn(x, params, variant, beta=1.0):
    """The FFN block on ``x`` of shape (n, d_model); returns (n, d_model).

    ``variant`` is a name from FFNS: a gated variant (VARIANTS, LIBRARY_VARIANTS) or an
    ungated baseline (BASELINES); ``beta`` is Swish's beta (SwiGLU and the Swish baseline).
    """
    x, p, code, _, dtype = _check("ffn", x, params, variant)
    beta = _validate.real_scalar(beta, "ffn", "beta")  # float64, as the kernels compute
    a, u = _hidden_inputs(x, p)
    y = _hidden(a, u, code, beta) @ p["W2"]  # (n, d_model)
    if "b2" in p:
        y += p["b2"]
    return y


def ffn_backward(dy, x, params, variant, beta=1.0):
    """Gradients of ``ffn``: a dict with ``"x"`` and one entry per entry of ``params``.

    The hidden activations are recomputed from x (two matmuls) rather than stored.
    """
    func = "ffn_backward"
    x, p, code, gated, dtype = _check(func, x, params, variant)
    beta = _validate.real_scalar(beta, func, "beta")
    dy = _validate.float_array(dy, func, "dy")
    if dy.shape != (x.shape[0], p["W2"].shape[1]):
        raise ValueError(f"{func}: dy must have the shape of the output (n, d_model) = "
                         f"{(x.shape[0], p['W2'].shape[1])}, got {dy.shape}")
    dy = np.ascontiguousarray(dy, dtype=dtype)
    a, u = _hidden_inputs(x, p)
    dh = dy @ p["W2"].T  # (n, d_ff)
    da = np.empty_like(a)  # (n, d_ff)
    if gated:
        h = _hidden(a, u, code, beta)  # (n, d_ff)
        du = np.empty_like(u)  # (n, d_ff)
        _glu_backward(dh.reshape(-1), u.reshape(-1), a.reshape(-1), du.reshape(-1), da.reshape(-1), code, beta)
    else:  # h = act(a) and da = dh act'(a) in one pass
        h = np.empty_like(a)  # (n, d_ff)
        ones = np.ones_like(a).reshape(-1)  # (n d_ff,): dvalue = 1 * act(a) = h, dgate = dh act'(a)
        _glu_backward(ones, dh.reshape(-1), a.reshape(-1), h.reshape(-1), da.reshape(-1), code, beta)
    grads = {"W2": h.T @ dy}  # (d_ff, d_model)
    if "b2" in p:
        grads["b2"] = dy.sum(axis=0)  # (d_model,)
    if gated:
        grads["V"] = x.T @ du  # (d_model, d_ff)
        if "c" in p:
            grads["c"] = du.sum(axis=0)  # (d_ff,)
    grads["W"] = x.T @ da  # (d_model, d_ff)
    if "b" in p:
        grads["b"] = da.sum(axis=0)  # (d_ff,)
    dx = da @ p["W"].T  # (n, d_model)
    if gated:
        dx += du @ p["V"].T
    grads["x"] = dx
    return grads


def init_ffn(d_model, d_ff, variant, rng, bias=False, dtype=np.float32):
    """Parameters for ``ffn``: weights from N(0, 1/fan_in), biases (if ``bias``) zero."""
    func = "init_ffn"
    _, gated = gate_activation(variant, func)
    d_model = _validate.positive_int(d_model, func, "d_model")
    d_ff = _validate.positive_int(d_ff, func, "d_ff")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{func}: rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
                        f"got {type(rng).__name__}")
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"{func}: dtype must be float32 or float64, got {dtype}")
    params = {"W": rng.standard_normal((d_model, d_ff), dtype=dtype) / np.sqrt(d_model).astype(dtype)}
    if gated:
        params["V"] = rng.standard_normal((d_model, d_ff), dtype=dtype) / np.sqrt(d_model).astype(dtype)
    params["W2"] = rng.standard_normal((d_ff, d_model), dtype=dtype) / np.sqrt(d_ff).astype(dtype)
    if bias:
        params["b"] = np.zeros(d_ff, dtype=dtype)
        if gated:
            params["c"] = np.zeros(d_ff, dtype=dtype)
        params["b2"] = np.zeros(d_model, dtype=dtype)
    return params


def matched_d_ff(d_ff_baseline, variant, multiple_of=1):
    """The d_ff that gives ``variant`` the parameter count of an ungated FFN of width d_ff_baseline.

    Gated variants have three matrices instead of two, so d_ff shrinks to 2/3 (Shazeer 2020:
    3072 -> 2048), then rounds up to a multiple of ``multiple_of`` (LLaMA: 4 * 4096 -> 11008
    with 256). Ungated variants keep d_ff_baseline, rounded up the same way. The arithmetic is
    exact (Python integers), whatever the integer type of the arguments.
    """
    func = "matched_d_ff"
    _, gated = gate_activation(variant, func)
    d_ff_baseline = _validate.positive_int(d_ff_baseline, func, "d_ff_baseline")  # Python ints: exact
    multiple_of = _validate.positive_int(multiple_of, func, "multiple_of")
    d_ff = max((2 * d_ff_baseline) // 3, 1) if gated else d_ff_baseline  # 2/3, rounded down
    return multiple_of * -(-d_ff // multiple_of)  # rounded up to a multiple of multiple_of
