"""The gated product as the course teaches it: read this file first.

    out = value * act(gate)      dvalue = dout * act(gate)      dgate = dout * value * act'(gate)

Each activation gives (act(z), act'(z)) in float64 ``math``; ``forward_loop`` and
``backward_loop`` (which computes act(gate) again, never stores it) run them over flat arrays.
This is the code that runs for float64 arrays. The public functions that check your arrays
and call these loops (``glu``, ``glu_backward``, ``activate``, ``activate_grad``) are in
``glulib.elementwise``, with the threads and the float32 kernels of ``glulib.fast``.
Notebooks print this code with ``glulib.kernelstudy.source_of(name, dtype)``.
"""

import math

from .codes import GELU, GELU_TANH, RELU, SIGMOID, SILU, TANH
from .jit import njit

SQRT_HALF = 0.7071067811865476  # 1 / sqrt(2)
INV_SQRT_2PI = 0.3989422804014327  # 1 / sqrt(2 pi)
GELU_TANH_C = 0.7978845608028654  # sqrt(2 / pi)


# ---- the activations, each with its derivative ----
@njit
def sigmoid(z, beta):
    """1 / (1 + e^-z), from e = exp(-|z|) only (never overflows); sigmoid' = e / (1 + e)^2."""
    e = math.exp(-abs(z))
    q = 1.0 / (1.0 + e)  # sigmoid(|z|)
    return (q if z >= 0.0 else e * q), e * q * q  # sigmoid(-|z|) = e q: no 1 - q to cancel


@njit
def tanh(z, beta):
    """tanh(z); tanh' = 1 - tanh^2, written 4e / (1 + e)^2 with e = exp(-2|z|): no cancellation."""
    e = math.exp(-2.0 * abs(z))
    return math.tanh(z), 4.0 * e / ((1.0 + e) * (1.0 + e))


@njit
def relu(z, beta):
    """max(z, 0) (NaN stays NaN); relu' = 1 for z > 0, else 0 (relu'(0) is taken as 0)."""
    return max(z, 0.0), (z if z != z else (z > 0.0) * 1.0)  # a bool times 1.0: no branch


@njit
def gelu(z, beta):
    """z Phi(z); gelu' = Phi(z) + z phi(z), Phi and phi the standard normal CDF and density."""
    cdf = 0.5 * math.erfc(-z * SQRT_HALF)  # erfc, not 1 + erf: the left tail keeps its digits
    pdf = INV_SQRT_2PI * math.exp(-0.5 * z * z)
    return (z * cdf if cdf != 0.0 else 0.0), cdf + (z * pdf if pdf != 0.0 else 0.0)  # at +-inf: not inf * 0


@njit
def gelu_tanh(z, beta):
    """0.5 z (1 + tanh(u)), u = sqrt(2/pi) (z + 0.044715 z^3), computed as z sigmoid(2u):
    the same number, with no 1 + tanh(u) to cancel in the left tail."""
    s, ds = sigmoid(2.0 * GELU_TANH_C * (z + 0.044715 * z * z * z), 1.0)
    du2 = 2.0 * GELU_TANH_C * (1.0 + 3.0 * 0.044715 * z * z)  # d(2u)/dz
    return (z * s if s != 0.0 else 0.0), s + (z * ds * du2 if ds != 0.0 else 0.0)


@njit
def silu(z, beta):
    """Swish z sigmoid(beta z); silu' = s + beta z s', s = sigmoid(beta z); terms with s or s' = 0 are 0."""
    s, ds = sigmoid(beta * z, 1.0)
    return (z * s if s != 0.0 else 0.0), s + (beta * z * ds if ds != 0.0 else 0.0)


@njit
def identity(z, beta):
    """z, the gate of the Bilinear variant; identity' = 1 (NaN for NaN)."""
    return z, (1.0 if z == z else z)


@njit(inline="always")  # inlined into each loop, so that the compiler sees the code is fixed
def activation(code, z, beta):
    """(act(z), act'(z)) for the activation whose code is ``code`` (``glulib.codes``)."""
    z = float(z)  # compiled, a no-op; in plain Python, a float (NumPy's scalars warn on overflow)
    if code == SIGMOID:
        return sigmoid(z, beta)
    if code == TANH:
        return tanh(z, beta)
    if code == RELU:
        return relu(z, beta)
    if code == GELU:
        return gelu(z, beta)
    if code == GELU_TANH:
        return gelu_tanh(z, beta)
    if code == SILU:
        return silu(z, beta)
    return identity(z, beta)


# ---- the two loops ----
@njit
def forward_loop(value, gate, out, code, beta):
    """out = value * act(gate), one element at a time."""
    for i in range(out.size):
        a, _ = activation(code, gate[i], beta)
        out[i] = value[i] * a


@njit
def backward_loop(dout, value, gate, dvalue, dgate, code, beta):
    """The gradients of ``forward_loop``; act(gate) is computed again, never stored."""
    for i in range(dout.size):
        a, da = activation(code, gate[i], beta)
        dvalue[i] = dout[i] * a
        dgate[i] = dout[i] * value[i] * da
