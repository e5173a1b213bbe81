"""Gate activations, each next to its derivative.

Every activation is a pair of scalar Numba functions: ``f(z, beta)`` and
``f_and_df(z, beta) -> (f, df/dz)``. ``beta`` is only read by Swish (``silu``); the
others ignore it so that every kernel can call every activation the same way.
The elementwise kernels (``glulib.kernels``) take an activation by its code.
"""

import math

import numpy as np

from ._config import njit
from . import _validate

SQRT_HALF = 0.7071067811865476  # 1 / sqrt(2)
INV_SQRT_2PI = 0.3989422804014327  # 1 / sqrt(2 pi), the standard normal density at 0
SQRT_2_OVER_PI = 0.7978845608028654  # sqrt(2 / pi), GELU's tanh form
GELU_TANH_CUBIC = 0.044715


# sigmoid(z) = 1 / (1 + exp(-z)); exp of -|z| only, so +-1000 neither overflows nor warns.
@njit(inline="always")
def _sigmoid(z, beta):
    e = math.exp(-abs(z))
    s = 1.0 / (1.0 + e)
    return s if z >= 0 else e * s


@njit(inline="always")
def _sigmoid_d(z, beta):
    s = _sigmoid(z, beta)
    return s, s * (1.0 - s)  # sigma' = sigma (1 - sigma)


# tanh(z); tanh' = 1 - tanh^2
@njit(inline="always")
def _tanh(z, beta):
    return math.tanh(z)


@njit(inline="always")
def _tanh_d(z, beta):
    t = math.tanh(z)
    return t, 1.0 - t * t


# relu(z) = max(z, 0); written so that NaN stays NaN. relu'(0) is taken as 0.
@njit(inline="always")
def _relu(z, beta):
    return 0.0 if z <= 0 else z  # NaN <= 0 is False: NaN passes through


@njit(inline="always")
def _relu_d(z, beta):
    if z <= 0:
        return 0.0, 0.0
    return z, 1.0 if z > 0 else z  # NaN in, NaN out


# gelu(z) = z Phi(z) = 0.5 z (1 + erf(z / sqrt 2)); gelu' = Phi(z) + z phi(z)
@njit(inline="always")
def _gelu(z, beta):
    return 0.5 * z * (1.0 + math.erf(z * SQRT_HALF))


@njit(inline="always")
def _gelu_d(z, beta):
    cdf = 0.5 * (1.0 + math.erf(z * SQRT_HALF))
    pdf = INV_SQRT_2PI * math.exp(-0.5 * z * z)
    return z * cdf, cdf + z * pdf


# gelu_tanh(z) = 0.5 z (1 + tanh(u)), u = sqrt(2/pi) (z + 0.044715 z^3)  (T5 v1.1, GPT-2)
@njit(inline="always")
def _gelu_tanh(z, beta):
    u = SQRT_2_OVER_PI * (z + GELU_TANH_CUBIC * z * z * z)
    return 0.5 * z * (1.0 + math.tanh(u))


@njit(inline="always")
def _gelu_tanh_d(z, beta):
    if z > 20.0:  # tanh(u) is 1 to double precision; avoids inf * 0 below
        return z, 1.0
    if z < -20.0:
        return 0.0, 0.0
    z2 = z * z
    t = math.tanh(SQRT_2_OVER_PI * (z + GELU_TANH_CUBIC * z2 * z))
    du = SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_TANH_CUBIC * z2)
    return 0.5 * z * (1.0 + t), 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * du


# silu(z) = Swish_beta(z) = z sigmoid(beta z); silu' = s + beta z s (1 - s), s = sigmoid(beta z)
@njit(inline="always")
def _silu(z, beta):
    return z * _sigmoid(beta * z, beta)


@njit(inline="always")
def _silu_d(z, beta):
    s = _sigmoid(beta * z, beta)
    return z * s, s + beta * z * s * (1.0 - s)


# identity(z) = z: the gate of the Bilinear variant
@njit(inline="always")
def _identity(z, beta):
    return z


@njit(inline="always")
def _identity_d(z, beta):
    return z, 1.0 if z == z else z  # NaN in, NaN out


#: Names of the activations, in the order the course introduces them.
ACTIVATIONS = ("sigmoid", "tanh", "relu", "gelu", "gelu_tanh", "silu", "identity")
#: The integer each kernel dispatches on.
CODES = {name: i for i, name in enumerate(ACTIVATIONS)}


def check_activation(name, func, arg="activation"):
    """The activation's code, or a ValueError listing the valid names."""
    return CODES[_validate.choice(name, ACTIVATIONS, func, arg)]


def activate(z, name, beta=1.0):
    """``act(z)`` elementwise for the activation called ``name``; same shape as ``z``."""
    from .kernels import _elementwise

    return _elementwise(z, name, beta, "activate", grad=False)


def activate_grad(z, name, beta=1.0):
    """``d act(z) / dz`` elementwise; same shape as ``z``."""
    from .kernels import _elementwise

    return _elementwise(z, name, beta, "activate_grad", grad=True)


def reference(z, name, beta=1.0):
    """A slow float64 reference for tests and notebooks, element by element with ``math``.

    Returns ``(act(z), act'(z))`` as float64 arrays.
    """
    z = np.asarray(z, dtype=np.float64)
    f = np.empty_like(z)
    df = np.empty_like(z)
    for i, x in np.ndenumerate(z):
        f[i], df[i] = _REFERENCE[name](x, beta)
    return f, df


def _ref_sigmoid(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _ref_gelu_tanh(x, beta):
    if abs(x) > 20:
        return (x, 1.0) if x > 0 else (0.0, 0.0)
    t = math.tanh(SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x**3))
    return 0.5 * x * (1 + t), 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_CUBIC * x * x)


_REFERENCE = {
    "sigmoid": lambda x, b: (_ref_sigmoid(x), _ref_sigmoid(x) * (1 - _ref_sigmoid(x))),
    "tanh": lambda x, b: (math.tanh(x), 1 - math.tanh(x) ** 2),
    "relu": lambda x, b: (max(x, 0.0), 1.0 if x > 0 else 0.0),
    "gelu": lambda x, b: (
        0.5 * x * (1 + math.erf(x / math.sqrt(2))),
        0.5 * (1 + math.erf(x / math.sqrt(2))) + x * math.exp(-x * x / 2) / math.sqrt(2 * math.pi),
    ),
    "gelu_tanh": _ref_gelu_tanh,
    "silu": lambda x, b: (
        x * _ref_sigmoid(b * x),
        _ref_sigmoid(b * x) + b * x * _ref_sigmoid(b * x) * (1 - _ref_sigmoid(b * x)),
    ),
    "identity": lambda x, b: (x, 1.0),
}
