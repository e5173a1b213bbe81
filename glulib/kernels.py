"""The fused gated product, forward next to backward.

    out    = value * act(gate)
    dvalue = dout * act(gate)
    dgate  = dout * value * act'(gate)

The forward reads ``value`` and ``gate`` once and writes ``out``; the backward reads
``dout``, ``value`` and ``gate`` once and writes ``dvalue`` and ``dgate``. Nothing else is
stored between them: the backward recomputes ``act(gate)`` from the saved pre-activation,
as Liger-Kernel and xformers do, instead of keeping the hidden product.

Public wrappers check and prepare the input; the private kernels work on flat,
contiguous arrays of one dtype and split them into chunks across threads.
"""

import numpy as np
from numba import prange

from ._config import CHUNK, njit
from . import _validate
from .activations import (
    _gelu,
    _gelu_d,
    _gelu_tanh,
    _gelu_tanh_d,
    _identity,
    _identity_d,
    _relu,
    _relu_d,
    _sigmoid,
    _sigmoid_d,
    _silu,
    _silu_d,
    _tanh,
    _tanh_d,
    check_activation,
)


# ---- one chunk, one activation (compiled into the kernels below, never called alone) ----
@njit(inline="always")
def _glu_fwd_chunk(value, gate, out, lo, hi, beta, f):
    for i in range(lo, hi):
        out[i] = value[i] * f(gate[i], beta)


@njit(inline="always")
def _glu_bwd_chunk(dout, value, gate, dvalue, dgate, lo, hi, beta, f_and_df):
    for i in range(lo, hi):
        a, da = f_and_df(gate[i], beta)
        dvalue[i] = dout[i] * a
        dgate[i] = dout[i] * value[i] * da


@njit(inline="always")
def _act_chunk(z, out, lo, hi, beta, f):
    for i in range(lo, hi):
        out[i] = f(z[i], beta)


@njit(inline="always")
def _act_grad_chunk(z, out, lo, hi, beta, f_and_df):
    for i in range(lo, hi):
        out[i] = f_and_df(z[i], beta)[1]


# ---- the kernels: a chunk loop over threads, the activation chosen once per chunk ----
@njit(parallel=True)
def _glu_forward(value, gate, out, code, beta):
    n = value.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        lo, hi = c * CHUNK, min(n, (c + 1) * CHUNK)
        if code == 0:
            _glu_fwd_chunk(value, gate, out, lo, hi, beta, _sigmoid)
        elif code == 1:
            _glu_fwd_chunk(value, gate, out, lo, hi, beta, _tanh)
        elif code == 2:
            _glu_fwd_chunk(value, gate, out, lo, hi, beta, _relu)
        elif code == 3:
            _glu_fwd_chunk(value, gate, out, lo, hi, beta, _gelu)
        elif code == 4:
            _glu_fwd_chunk(value, gate, out, lo, hi, beta, _gelu_tanh)
        elif code == 5:
            _glu_fwd_chunk(value, gate, out, lo, hi, beta, _silu)
        else:
            _glu_fwd_chunk(value, gate, out, lo, hi, beta, _identity)


@njit(parallel=True)
def _glu_backward(dout, value, gate, dvalue, dgate, code, beta):
    n = value.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        lo, hi = c * CHUNK, min(n, (c + 1) * CHUNK)
        if code == 0:
            _glu_bwd_chunk(dout, value, gate, dvalue, dgate, lo, hi, beta, _sigmoid_d)
        elif code == 1:
            _glu_bwd_chunk(dout, value, gate, dvalue, dgate, lo, hi, beta, _tanh_d)
        elif code == 2:
            _glu_bwd_chunk(dout, value, gate, dvalue, dgate, lo, hi, beta, _relu_d)
        elif code == 3:
            _glu_bwd_chunk(dout, value, gate, dvalue, dgate, lo, hi, beta, _gelu_d)
        elif code == 4:
            _glu_bwd_chunk(dout, value, gate, dvalue, dgate, lo, hi, beta, _gelu_tanh_d)
        elif code == 5:
            _glu_bwd_chunk(dout, value, gate, dvalue, dgate, lo, hi, beta, _silu_d)
        else:
            _glu_bwd_chunk(dout, value, gate, dvalue, dgate, lo, hi, beta, _identity_d)


@njit(parallel=True)
def _act_forward(z, out, code, beta):
    n = z.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        lo, hi = c * CHUNK, min(n, (c + 1) * CHUNK)
        if code == 0:
            _act_chunk(z, out, lo, hi, beta, _sigmoid)
        elif code == 1:
            _act_chunk(z, out, lo, hi, beta, _tanh)
        elif code == 2:
            _act_chunk(z, out, lo, hi, beta, _relu)
        elif code == 3:
            _act_chunk(z, out, lo, hi, beta, _gelu)
        elif code == 4:
            _act_chunk(z, out, lo, hi, beta, _gelu_tanh)
        elif code == 5:
            _act_chunk(z, out, lo, hi, beta, _silu)
        else:
            _act_chunk(z, out, lo, hi, beta, _identity)


@njit(parallel=True)
def _act_grad(z, out, code, beta):
    n = z.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        lo, hi = c * CHUNK, min(n, (c + 1) * CHUNK)
        if code == 0:
            _act_grad_chunk(z, out, lo, hi, beta, _sigmoid_d)
        elif code == 1:
            _act_grad_chunk(z, out, lo, hi, beta, _tanh_d)
        elif code == 2:
            _act_grad_chunk(z, out, lo, hi, beta, _relu_d)
        elif code == 3:
            _act_grad_chunk(z, out, lo, hi, beta, _gelu_d)
        elif code == 4:
            _act_grad_chunk(z, out, lo, hi, beta, _gelu_tanh_d)
        elif code == 5:
            _act_grad_chunk(z, out, lo, hi, beta, _silu_d)
        else:
            _act_grad_chunk(z, out, lo, hi, beta, _identity_d)


# ---- public wrappers ----
def _flat(a, dtype):
    """A flat, C-contiguous view (or copy, when needed) of ``a`` in ``dtype``."""
    return np.ascontiguousarray(a, dtype=dtype).reshape(-1)


def _shaped(out, shape):
    out = out.reshape(shape)
    return out[()] if out.ndim == 0 else out


def glu(value, gate, activation="sigmoid", beta=1.0):
    """The gated product ``value * act(gate)``, elementwise; same shape as the inputs."""
    func = "glu"
    value = _validate.float_array(value, func, "value")
    gate = _validate.float_array(gate, func, "gate")
    _validate.same_shape(func, "value", value, "gate", gate)
    code = check_activation(activation, func)
    beta = _validate.real_scalar(beta, func, "beta")
    dtype = np.result_type(value, gate)
    out = np.empty(value.size, dtype=dtype)  # (value.size,)
    _glu_forward(_flat(value, dtype), _flat(gate, dtype), out, code, dtype.type(beta))
    return _shaped(out, value.shape)


def glu_backward(dout, value, gate, activation="sigmoid", beta=1.0):
    """Gradients of ``glu`` given the upstream gradient ``dout``: ``(dvalue, dgate)``."""
    func = "glu_backward"
    dout = _validate.float_array(dout, func, "dout")
    value = _validate.float_array(value, func, "value")
    gate = _validate.float_array(gate, func, "gate")
    _validate.same_shape(func, "value", value, "gate", gate)
    _validate.same_shape(func, "dout", dout, "value", value)
    code = check_activation(activation, func)
    beta = _validate.real_scalar(beta, func, "beta")
    dtype = np.result_type(dout, value, gate)
    dvalue = np.empty(value.size, dtype=dtype)  # (value.size,)
    dgate = np.empty(value.size, dtype=dtype)  # (value.size,)
    _glu_backward(
        _flat(dout, dtype), _flat(value, dtype), _flat(gate, dtype), dvalue, dgate, code, dtype.type(beta)
    )
    return _shaped(dvalue, value.shape), _shaped(dgate, value.shape)


def _elementwise(z, name, beta, func, grad):
    z = _validate.float_array(z, func, "z")
    code = check_activation(name, func, "name")
    beta = _validate.real_scalar(beta, func, "beta")
    out = np.empty(z.size, dtype=z.dtype)  # (z.size,)
    kernel = _act_grad if grad else _act_forward
    kernel(_flat(z, z.dtype), out, code, z.dtype.type(beta))
    return _shaped(out, z.shape)
