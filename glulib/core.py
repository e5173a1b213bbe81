"""The gated product as the course teaches it: read this file first.

    out = value * act(gate)      dvalue = dout * act(gate)      dgate = dout * value * act'(gate)

Each activation gives (act(z), act'(z)) in float64 ``math``. float64 arrays run ``forward_loop``
and ``backward_loop`` (which computes act(gate) again, never stores it); float32 arrays run
``glulib.fast`` through the same public functions. Notebooks print this code with
``glulib.kernelstudy.source_of(name, dtype)``.
"""

import math

import numpy as np
from numba import prange

from . import _validate
from ._config import CHUNK, SERIAL_BELOW, jit_disabled, launch, njit
from .codes import ACTIVATIONS, CODES, GELU, GELU_TANH, RELU, SIGMOID, SILU, TANH
from .fast import kernels as fast

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


# Large arrays: the same loops on chunks of CHUNK elements, shared out over the threads.
@njit(parallel=True)
def _forward_parallel(value, gate, out, code, beta):
    for c in prange((out.size + CHUNK - 1) // CHUNK):
        s = slice(c * CHUNK, (c + 1) * CHUNK)
        forward_loop(value[s], gate[s], out[s], code, beta)


@njit(parallel=True)
def _backward_parallel(dout, value, gate, dvalue, dgate, code, beta):
    for c in prange((dout.size + CHUNK - 1) // CHUNK):
        s = slice(c * CHUNK, (c + 1) * CHUNK)
        backward_loop(dout[s], value[s], gate[s], dvalue[s], dgate[s], code, beta)


def fused_forward(value, gate, out, code, beta):
    """``forward_loop`` on flat, contiguous arrays of one dtype: float32 to the fast path,
    small arrays on this thread (waking the threads costs more than they take)."""
    if value.dtype == np.float32 and not jit_disabled():
        return fast.forward(value, gate, out, code, beta)
    launch(forward_loop if value.size < SERIAL_BELOW else _forward_parallel, value, gate, out, code, beta)


def fused_backward(dout, value, gate, dvalue, dgate, code, beta):
    """``backward_loop`` on flat, contiguous arrays of one dtype, sent where ``fused_forward`` sends."""
    if value.dtype == np.float32 and not jit_disabled():
        return fast.backward(dout, value, gate, dvalue, dgate, code, beta)
    loop = backward_loop if value.size < SERIAL_BELOW else _backward_parallel
    launch(loop, dout, value, gate, dvalue, dgate, code, beta)


# ---- public wrappers: check the input, then run the loops ----
def glu(value, gate, activation="sigmoid", beta=1.0):
    """The gated product ``value * act(gate)``, elementwise; same shape as the inputs."""
    return _checked_run("glu", {"value": value, "gate": gate}, activation, beta)[0]


def glu_backward(dout, value, gate, activation="sigmoid", beta=1.0):
    """Gradients of ``glu`` given the upstream gradient ``dout``: ``(dvalue, dgate)``."""
    return tuple(_checked_run("glu_backward", {"dout": dout, "value": value, "gate": gate}, activation, beta))


def activate(z, name, beta=1.0):
    """``act(z)`` elementwise for the activation called ``name``; same shape as ``z``."""
    return _checked_run("activate", {"z": z}, name, beta, arg="name")[0]  # glu with value = 1


def activate_grad(z, name, beta=1.0):
    """``d act(z) / dz`` elementwise; same shape as ``z``."""
    return _checked_run("activate_grad", {"z": z}, name, beta, arg="name")[1]  # dgate with dout = value = 1


def _checked_run(func, arrays, name, beta, arg="activation"):
    """Check the input; run the forward (2 arrays) or the backward (3), ones standing in for
    a missing value or dout, on flat arrays; give the results the input's shape."""
    arrays, shape, dtype = _validate.float_arrays_alike(func, arrays)
    code = CODES[_validate.choice(name, ACTIVATIONS, func, arg)]
    beta = _validate.real_scalar(beta, func, "beta")
    work = np.float64 if jit_disabled() else dtype  # plain Python: float64, rounded once at the end
    flat = [np.ascontiguousarray(a, dtype=work).reshape(-1) for a in arrays]  # (n,) each
    backward = func in ("glu_backward", "activate_grad")
    missing = (3 if backward else 2) - len(flat)  # activate: value = 1; activate_grad: dout = value = 1
    if missing:
        flat = [np.ones_like(flat[0])] * missing + flat
    outs = [np.empty_like(flat[0]) for _ in range(2 if backward else 1)]  # (n,) each
    (fused_backward if backward else fused_forward)(*flat, *outs, code, beta)
    outs = [out.reshape(shape).astype(dtype, copy=False) for out in outs]
    return [out[()] if out.ndim == 0 else out for out in outs]
