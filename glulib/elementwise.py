"""The public elementwise functions: ``glu``, ``glu_backward``, ``activate``, ``activate_grad``.

Each checks its input once, then sends flat, contiguous arrays to a loop chosen by dtype and
size: float64 arrays run the loops of ``glulib.core`` (on the calling thread below
``SERIAL_BELOW`` elements, in chunks of ``CHUNK`` over the threads above), float32 arrays the
kernels of ``glulib.fast.kernels``. ``glulib.feedforward`` and ``glulib.model`` call the
``fused_*`` functions directly on arrays they have already checked.
"""

import numpy as np
from numba import prange

from . import _validate, core
from .codes import ACTIVATIONS, CODES
from .fast import kernels as fast
from .jit import CHUNK, SERIAL_BELOW, jit_disabled, launch, njit


# ---- float64: act(z) and act'(z) alone, one element at a time ----
@njit
def _activate_loop(z, out, code, beta):
    for i in range(z.size):
        a, _ = core.activation(code, z[i], beta)
        out[i] = a


@njit
def _activate_grad_loop(z, out, code, beta):
    for i in range(z.size):
        _, da = core.activation(code, z[i], beta)
        out[i] = da


# ---- float64, large arrays: the same loops on chunks of CHUNK elements, over the threads ----
@njit(parallel=True)
def _forward_parallel(value, gate, out, code, beta):
    for c in prange((out.size + CHUNK - 1) // CHUNK):
        s = slice(c * CHUNK, (c + 1) * CHUNK)
        core.forward_loop(value[s], gate[s], out[s], code, beta)


@njit(parallel=True)
def _backward_parallel(dout, value, gate, dvalue, dgate, code, beta):
    for c in prange((dout.size + CHUNK - 1) // CHUNK):
        s = slice(c * CHUNK, (c + 1) * CHUNK)
        core.backward_loop(dout[s], value[s], gate[s], dvalue[s], dgate[s], code, beta)


@njit(parallel=True)
def _activate_parallel(z, out, code, beta):
    for c in prange((z.size + CHUNK - 1) // CHUNK):
        s = slice(c * CHUNK, (c + 1) * CHUNK)
        _activate_loop(z[s], out[s], code, beta)


@njit(parallel=True)
def _activate_grad_parallel(z, out, code, beta):
    for c in prange((z.size + CHUNK - 1) // CHUNK):
        s = slice(c * CHUNK, (c + 1) * CHUNK)
        _activate_grad_loop(z[s], out[s], code, beta)


# ---- each job on flat, contiguous arrays of one dtype, already checked: float32 to the fast
# kernels; float64 small arrays on this thread (waking the threads costs more than they take),
# large ones over the threads ----
def fused_forward(value, gate, out, code, beta):
    """out = value * act(gate)."""
    if value.dtype == np.float32 and not jit_disabled():
        return fast.forward(value, gate, out, code, beta)
    launch(core.forward_loop if value.size < SERIAL_BELOW else _forward_parallel, value, gate, out, code, beta)


def fused_backward(dout, value, gate, dvalue, dgate, code, beta):
    """dvalue = dout * act(gate), dgate = dout * value * act'(gate)."""
    if value.dtype == np.float32 and not jit_disabled():
        return fast.backward(dout, value, gate, dvalue, dgate, code, beta)
    loop = core.backward_loop if value.size < SERIAL_BELOW else _backward_parallel
    launch(loop, dout, value, gate, dvalue, dgate, code, beta)


def fused_activate(z, out, code, beta):
    """out = act(z)."""
    if z.dtype == np.float32 and not jit_disabled():
        return fast.activate(z, out, code, beta)
    launch(_activate_loop if z.size < SERIAL_BELOW else _activate_parallel, z, out, code, beta)


def fused_activate_grad(z, out, code, beta):
    """out = act'(z)."""
    if z.dtype == np.float32 and not jit_disabled():
        return fast.activate_grad(z, out, code, beta)
    launch(_activate_grad_loop if z.size < SERIAL_BELOW else _activate_grad_parallel, z, out, code, beta)


# ---- public functions: check the input, run one job, give the results the input's shape ----
def glu(value, gate, activation="sigmoid", beta=1.0):
    """The gated product ``value * act(gate)``, elementwise; same shape as the inputs."""
    return _checked_run("glu", fused_forward, {"value": value, "gate": gate}, 1, activation, "activation", beta)[0]


def glu_backward(dout, value, gate, activation="sigmoid", beta=1.0):
    """Gradients of ``glu`` given the upstream gradient ``dout``: ``(dvalue, dgate)``."""
    arrays = {"dout": dout, "value": value, "gate": gate}
    return tuple(_checked_run("glu_backward", fused_backward, arrays, 2, activation, "activation", beta))


def activate(z, name, beta=1.0):
    """``act(z)`` elementwise for the activation called ``name``; same shape as ``z``."""
    return _checked_run("activate", fused_activate, {"z": z}, 1, name, "name", beta)[0]


def activate_grad(z, name, beta=1.0):
    """``d act(z) / dz`` elementwise; same shape as ``z``."""
    return _checked_run("activate_grad", fused_activate_grad, {"z": z}, 1, name, "name", beta)[0]


def _checked_run(func, job, arrays, n_out, name, arg, beta):
    """Check the arrays, the activation's name and beta for ``func``; run ``job`` (a ``fused_*``
    function above) on flat copies (float64 when the JIT is off: plain Python rounds once, at
    the end) into ``n_out`` new arrays; return them with the input's shape and dtype."""
    arrays, shape, dtype = _validate.float_arrays_alike(func, arrays)
    code = CODES[_validate.choice(name, ACTIVATIONS, func, arg)]
    beta = _validate.real_scalar(beta, func, "beta")
    work = np.float64 if jit_disabled() else dtype
    flat = [np.ascontiguousarray(a, dtype=work).reshape(-1) for a in arrays]  # (n,) each
    outs = [np.empty_like(flat[0]) for _ in range(n_out)]  # (n,) each
    job(*flat, *outs, code, beta)
    outs = [out.reshape(shape).astype(dtype, copy=False) for out in outs]
    return [out[()] if out.ndim == 0 else out for out in outs]
