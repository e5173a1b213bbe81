"""Slow, obviously-right references, written independently of glulib.

``act_reference`` is what the reading path (``glulib.core``) is tested against; the fast
path is tested against the reading path (tests/test_accuracy.py).
"""

import math

import numpy as np

import glulib

SQRT_2_OVER_PI = 0.7978845608028654  # sqrt(2 / pi), GELU's tanh form
GELU_TANH_CUBIC = 0.044715


def act_reference(z, name, beta=1.0):
    """(act(z), act'(z)) as float64 arrays, element by element with ``math``.

    Written for accuracy, not speed, and independently of the kernels: ``math.erfc`` for
    the normal tail, ``math.cosh`` for tanh', ``e / (1 + e)^2`` for sigmoid' (``s (1 - s)``
    loses every digit once s rounds to 1), and the limits at +-inf taken explicitly.
    """
    if name not in _REFERENCE:
        raise ValueError(f"act_reference: unknown name {name!r}")
    z = np.asarray(z, dtype=np.float64)
    f = np.empty_like(z)
    df = np.empty_like(z)
    for i, x in np.ndenumerate(z):
        f[i], df[i] = _REFERENCE[name](float(x), float(beta))
    return f, df


def _ref_sigmoid(x):
    """(sigmoid(x), sigmoid'(x)) without overflow and without cancellation."""
    e = math.exp(-abs(x))
    s = 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)
    return s, e / (1.0 + e) ** 2


def _ref_tanh(x, beta):
    return math.tanh(x), (1.0 / math.cosh(x) ** 2 if abs(x) < 350 else (0.0 if x == x else x))


def _ref_gelu(x, beta):
    if math.isinf(x):
        return (x, 1.0) if x > 0 else (0.0, 0.0)
    if x >= -3.0:  # the textbook erf form, accurate to ~1e-14 relative down to -3
        cdf = 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))
    else:  # below, 1 + erf cancels (all digits are lost by -8.3); erfc keeps them
        cdf = 0.5 * math.erfc(-x / math.sqrt(2.0))
    pdf = math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
    return x * cdf, cdf + x * pdf


def _ref_gelu_tanh(x, beta):
    # 0.5 x (1 + tanh(u)) = x sigmoid(2u), so the left tail is computed, not cancelled.
    if math.isinf(x):
        return (x, 1.0) if x > 0 else (0.0, 0.0)
    u2 = 2.0 * SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x * x * x)
    s, ds = _ref_sigmoid(u2)
    du2 = 2.0 * SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_TANH_CUBIC * x * x)
    return x * s, s + (x * ds * du2 if ds else 0.0)


def _ref_silu(x, beta):
    s, ds = _ref_sigmoid(beta * x)
    return (x * s if s else 0.0), s + (beta * x * ds if ds else 0.0)


def _ref_relu(x, beta):
    if x != x:
        return x, x
    return max(x, 0.0), (1.0 if x > 0 else 0.0)


_REFERENCE = {
    "sigmoid": lambda x, b: _ref_sigmoid(x),
    "tanh": _ref_tanh,
    "relu": _ref_relu,
    "gelu": _ref_gelu,
    "gelu_tanh": _ref_gelu_tanh,
    "silu": _ref_silu,
    "identity": lambda x, b: (x, 1.0 if x == x else x),
}


def glu_ref(value, gate, activation="sigmoid", beta=1.0):
    f, _ = act_reference(gate, activation, beta)
    return np.asarray(value, dtype=np.float64) * f


def glu_backward_ref(dout, value, gate, activation="sigmoid", beta=1.0):
    f, df = act_reference(gate, activation, beta)
    dout = np.asarray(dout, dtype=np.float64)
    return dout * f, dout * np.asarray(value, dtype=np.float64) * df


def ffn_ref(x, params, variant, beta=1.0):
    """Shazeer's equations, line by line, in float64."""
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    activation = {**glulib.VARIANTS, **glulib.BASELINES}[variant]
    a = np.asarray(x, dtype=np.float64) @ p["W"] + p.get("b", 0.0)
    h, _ = act_reference(a, activation, beta)
    if variant in glulib.VARIANTS:
        h = h * (np.asarray(x, dtype=np.float64) @ p["V"] + p.get("c", 0.0))
    return h @ p["W2"] + p.get("b2", 0.0)


def sigmoid(x):
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
