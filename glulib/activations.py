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

from ._vecmath import phi_parts, sigmoid_parts, tanh_parts, to_f64

SQRT_2_OVER_PI = 0.7978845608028654  # sqrt(2 / pi), GELU's tanh form
GELU_TANH_CUBIC = 0.044715

# Every function below computes in float64 (``to_f64(z)``). The kernels use them for
# float64 arrays; float32 arrays have a float32 family in ``activations32.py``, which
# reuses ``_gelu_tanh_d`` from here. The building blocks in ``_vecmath`` are branch-free
# so that the kernels' loops vectorise; the selects (``a if cond else b``) below become
# SIMD blends, not jumps. Limits at +-inf are selected explicitly, never computed as
# inf * 0.


# sigmoid(z) = 1 / (1 + exp(-z)), from exp(-|z|) only: +-1000 neither overflows nor warns.
@njit(inline="always")
def _sigmoid(z, beta):
    return sigmoid_parts(to_f64(z))[0]


@njit(inline="always")
def _sigmoid_d(z, beta):
    s, one_minus = sigmoid_parts(to_f64(z))
    return s, s * one_minus  # sigma' = sigma (1 - sigma), 1 - sigma without cancellation


# tanh(z); tanh' = 1 - tanh^2, computed as 4 e / (1 + e)^2 with e = exp(-2|z|)
@njit(inline="always")
def _tanh(z, beta):
    return tanh_parts(to_f64(z))[0]


@njit(inline="always")
def _tanh_d(z, beta):
    return tanh_parts(to_f64(z))


# relu(z) = max(z, 0); written so that NaN stays NaN. relu'(0) is taken as 0.
@njit(inline="always")
def _relu(z, beta):
    z = to_f64(z)
    return 0.0 if z <= 0.0 else z  # NaN <= 0 is False: NaN passes through


@njit(inline="always")
def _relu_d(z, beta):
    z = to_f64(z)
    f = 0.0 if z <= 0.0 else z
    df = 0.0 if z <= 0.0 else 1.0
    return f, (z if z != z else df)  # NaN in, NaN out


# gelu(z) = z Phi(z) = 0.5 z (1 + erf(z / sqrt 2)); gelu' = Phi(z) + z phi(z)
@njit(inline="always")
def _gelu(z, beta):
    z = to_f64(z)
    cdf = phi_parts(z)[0]
    return 0.0 if cdf == 0.0 else z * cdf  # z -> -inf: 0, not -inf * 0


@njit(inline="always")
def _gelu_d(z, beta):
    z = to_f64(z)
    cdf, pdf = phi_parts(z)
    f = 0.0 if cdf == 0.0 else z * cdf
    zpdf = 0.0 if pdf == 0.0 else z * pdf
    return f, cdf + zpdf


# gelu_tanh(z) = 0.5 z (1 + tanh(u)), u = sqrt(2/pi) (z + 0.044715 z^3)  (T5 v1.1, GPT-2)
#              = z sigmoid(2u): the sigmoid form never computes 1 + tanh(u) near 0.
@njit(inline="always")
def _gelu_tanh(z, beta):
    x = to_f64(z)
    u2 = 2.0 * SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x * x * x)
    s = sigmoid_parts(u2)[0]
    return 0.0 if s == 0.0 else x * s


@njit(inline="always")
def _gelu_tanh_d(z, beta):
    z = to_f64(z)
    z2 = z * z
    u2 = 2.0 * SQRT_2_OVER_PI * (z + GELU_TANH_CUBIC * z2 * z)
    s, one_minus = sigmoid_parts(u2)
    ds = s * one_minus
    du2 = 2.0 * SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_TANH_CUBIC * z2)
    f = 0.0 if s == 0.0 else z * s
    g = 0.0 if ds == 0.0 else z * ds * du2
    return f, s + g


# silu(z) = Swish_beta(z) = z sigmoid(beta z); silu' = s + beta z s (1 - s), s = sigmoid(beta z)
@njit(inline="always")
def _silu(z, beta):
    x = to_f64(z)
    s = sigmoid_parts(to_f64(beta) * x)[0]
    return 0.0 if s == 0.0 else x * s


@njit(inline="always")
def _silu_d(z, beta):
    z = to_f64(z)
    w = to_f64(beta) * z
    s, one_minus = sigmoid_parts(w)
    ds = s * one_minus
    f = 0.0 if s == 0.0 else z * s
    g = 0.0 if ds == 0.0 else w * ds
    return f, s + g


# identity(z) = z: the gate of the Bilinear variant
@njit(inline="always")
def _identity(z, beta):
    return to_f64(z)


@njit(inline="always")
def _identity_d(z, beta):
    z = to_f64(z)
    return z, (z if z != z else 1.0)  # NaN in, NaN out


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

    Returns ``(act(z), act'(z))`` as float64 arrays. Written for accuracy, not speed, and
    independently of the kernels: ``math.erfc`` for the normal tail, ``math.cosh`` for
    tanh', ``e / (1 + e)^2`` for sigmoid' (``s (1 - s)`` loses every digit once s rounds
    to 1), and the limits at +-inf taken explicitly.
    """
    if name not in _REFERENCE:
        raise ValueError(f"reference: unknown name {name!r}; expected one of {ACTIVATIONS}")
    z = np.asarray(z, dtype=np.float64)
    f = np.empty_like(z)
    df = np.empty_like(z)
    for i, x in np.ndenumerate(z):
        f[i], df[i] = _REFERENCE[name](float(x), to_f64(beta))
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
