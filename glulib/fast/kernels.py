"""The fused gated product for float32 arrays: the loops of ``glulib.core``, made fast.

The same three lines as the reading path,

    out    = value * act(gate)
    dvalue = dout * act(gate)
    dgate  = dout * value * act'(gate)

with the activations of ``float32.py``, sixteen float32 lanes per AVX-512 instruction, and
arrays split into chunks over threads. ``forward``, ``backward``, ``activate`` and
``activate_grad`` take flat, contiguous float32 arrays; ``glulib.elementwise`` checks
everything first and sends float32 arrays here.
"""

import inspect

import numpy as np
from numba import prange, types
from numba.extending import overload

from ..codes import ACTIVATIONS, GELU, GELU_TANH, RELU, SIGMOID, SILU, TANH
from ..jit import CHUNK, SERIAL_BELOW, jit_disabled, launch, njit
from . import float32 as f32
from .intrinsics import fma, wide_vectors

_ZERO32 = np.float32(0.0)
_ONE32 = np.float32(1.0)


# ---- one chunk, one activation (compiled into the span functions below) ----
# Activations return act(z) as a pair (hi, lo) (``float32.py``; lo is None where act(z) is
# one float32), and each product is taken with one rounding: v (hi + lo) = fma(v, hi, v lo).
# The index is made unsigned: with a signed index Numba adds ``i < 0 ? i + n : i`` to every
# access (Python's negative indexing), LLVM can no longer see that the loads are
# contiguous, and emits gathers and scatters. Every chunk asks for 512-bit vectors
# (``wide_vectors``). The stores are ordinary ones: why streaming stores are not used is
# in docs/PERFORMANCE.md.
@njit(inline="always")
def _mul_pair_finite(v, hi, lo):
    vlo = v * lo
    return fma(v, hi, vlo) if vlo - vlo == _ZERO32 else v * hi


def mul_pair(v, hi, lo):
    """v (hi + lo) with one rounding; lo is None for an activation that is exact in one
    float32 (sigmoid, tanh, relu, identity), and the product is then v hi. Where v lo is
    not finite (v or hi is inf or NaN, lo 0 or NaN), it is v hi too: inf and NaN come out
    as a plain product would."""
    return v * hi if lo is None else _mul_pair_finite(v, hi, lo)


if not jit_disabled():

    @overload(mul_pair)
    def _mul_pair_compiled(v, hi, lo):
        # Numba does not prune ``lo is None`` inside an inlined function: choose by type
        # (not inlined by Numba, whose inliner mishandles the select; LLVM inlines it).
        if isinstance(lo, types.NoneType):
            return lambda v, hi, lo: v * hi
        return lambda v, hi, lo: _mul_pair_finite(v, hi, lo)


@njit(inline="always")
def forward_chunk(value, gate, out, lo, hi, beta, act):
    """out[lo:hi] = value * act(gate) for the float32 activation ``act``."""
    wide_vectors()
    for j in range(lo, hi):
        i = np.uint64(j)
        a_hi, a_lo = act(gate[i], beta)
        out[i] = mul_pair(value[i], a_hi, a_lo)


@njit(inline="always")
def backward_chunk(dout, value, gate, dvalue, dgate, lo, hi, beta, act_and_grad):
    """dvalue, dgate on [lo, hi): act(gate) recomputed, each product rounded once."""
    wide_vectors()
    for j in range(lo, hi):
        i = np.uint64(j)
        a_hi, a_lo, da = act_and_grad(gate[i], beta)
        d = dout[i]
        v = value[i]
        dvalue[i] = mul_pair(d, a_hi, a_lo)
        p = v * da  # v act'(gate) exactly as p + its rounding error, then times d
        dgate[i] = mul_pair(d, p, fma(v, da, -p))


@njit(inline="always")
def activate_chunk(z, out, lo, hi, beta, act):
    """out[lo:hi] = act(z), the pair (hi + lo) rounded once."""
    wide_vectors()
    for j in range(lo, hi):
        i = np.uint64(j)
        a_hi, a_lo = act(z[i], beta)
        out[i] = mul_pair(_ONE32, a_hi, a_lo)


@njit(inline="always")
def activate_grad_chunk(z, out, lo, hi, beta, act_and_grad):
    """out[lo:hi] = act'(z)."""
    wide_vectors()
    for j in range(lo, hi):
        i = np.uint64(j)
        _, _, da = act_and_grad(z[i], beta)
        out[i] = da


# ---- one span [lo, hi) for any activation: the activation is chosen once per span ----
# Ordinary (not inlined) functions: everything inside them is inlined so that the loops
# vectorise, while the parallel kernels below stay small. Numba's parfor passes copy and
# rewrite the whole loop body, so a large body inside prange costs many seconds of
# compile time; a call costs nothing.
@njit
def _forward_span(value, gate, out, lo, hi, code, beta):
    if code == SIGMOID:
        forward_chunk(value, gate, out, lo, hi, beta, f32.sigmoid32)
    elif code == TANH:
        forward_chunk(value, gate, out, lo, hi, beta, f32.tanh32)
    elif code == RELU:
        forward_chunk(value, gate, out, lo, hi, beta, f32.relu32)
    elif code == GELU:
        forward_chunk(value, gate, out, lo, hi, beta, f32.gelu32)
    elif code == GELU_TANH:
        forward_chunk(value, gate, out, lo, hi, beta, f32.gelu_tanh32)
    elif code == SILU:
        forward_chunk(value, gate, out, lo, hi, beta, f32.silu32)
    else:
        forward_chunk(value, gate, out, lo, hi, beta, f32.identity32)


@njit
def _backward_span(dout, value, gate, dvalue, dgate, lo, hi, code, beta):
    if code == SIGMOID:
        backward_chunk(dout, value, gate, dvalue, dgate, lo, hi, beta, f32.sigmoid32_and_grad)
    elif code == TANH:
        backward_chunk(dout, value, gate, dvalue, dgate, lo, hi, beta, f32.tanh32_and_grad)
    elif code == RELU:
        backward_chunk(dout, value, gate, dvalue, dgate, lo, hi, beta, f32.relu32_and_grad)
    elif code == GELU:
        backward_chunk(dout, value, gate, dvalue, dgate, lo, hi, beta, f32.gelu32_and_grad)
    elif code == GELU_TANH:
        backward_chunk(dout, value, gate, dvalue, dgate, lo, hi, beta, f32.gelu_tanh32_and_grad)
    elif code == SILU:
        backward_chunk(dout, value, gate, dvalue, dgate, lo, hi, beta, f32.silu32_and_grad)
    else:
        backward_chunk(dout, value, gate, dvalue, dgate, lo, hi, beta, f32.identity32_and_grad)


@njit
def _activate_span(z, out, lo, hi, code, beta):
    if code == SIGMOID:
        activate_chunk(z, out, lo, hi, beta, f32.sigmoid32)
    elif code == TANH:
        activate_chunk(z, out, lo, hi, beta, f32.tanh32)
    elif code == RELU:
        activate_chunk(z, out, lo, hi, beta, f32.relu32)
    elif code == GELU:
        activate_chunk(z, out, lo, hi, beta, f32.gelu32)
    elif code == GELU_TANH:
        activate_chunk(z, out, lo, hi, beta, f32.gelu_tanh32)
    elif code == SILU:
        activate_chunk(z, out, lo, hi, beta, f32.silu32)
    else:
        activate_chunk(z, out, lo, hi, beta, f32.identity32)


@njit
def _activate_grad_span(z, out, lo, hi, code, beta):
    if code == SIGMOID:
        activate_grad_chunk(z, out, lo, hi, beta, f32.sigmoid32_and_grad)
    elif code == TANH:
        activate_grad_chunk(z, out, lo, hi, beta, f32.tanh32_and_grad)
    elif code == RELU:
        activate_grad_chunk(z, out, lo, hi, beta, f32.relu32_and_grad)
    elif code == GELU:
        activate_grad_chunk(z, out, lo, hi, beta, f32.gelu32_and_grad)
    elif code == GELU_TANH:
        activate_grad_chunk(z, out, lo, hi, beta, f32.gelu_tanh32_and_grad)
    elif code == SILU:
        activate_grad_chunk(z, out, lo, hi, beta, f32.silu32_and_grad)
    else:
        activate_grad_chunk(z, out, lo, hi, beta, f32.identity32_and_grad)


#: The float32 functions each code runs: (act, act_and_grad), by the same table as core.
FUNCTIONS = {
    name: (getattr(f32, name + "32"), getattr(f32, name + "32_and_grad")) for name in ACTIVATIONS
}


# ---- the kernels: chunks of CHUNK elements shared out over threads ----
@njit(parallel=True)
def _forward_parallel(value, gate, out, code, beta):
    n = value.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        _forward_span(value, gate, out, c * CHUNK, min(n, (c + 1) * CHUNK), code, beta)


@njit(parallel=True)
def _backward_parallel(dout, value, gate, dvalue, dgate, code, beta):
    n = value.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        _backward_span(dout, value, gate, dvalue, dgate, c * CHUNK, min(n, (c + 1) * CHUNK), code, beta)


@njit(parallel=True)
def _activate_parallel(z, out, code, beta):
    n = z.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        _activate_span(z, out, c * CHUNK, min(n, (c + 1) * CHUNK), code, beta)


@njit(parallel=True)
def _activate_grad_parallel(z, out, code, beta):
    n = z.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        _activate_grad_span(z, out, c * CHUNK, min(n, (c + 1) * CHUNK), code, beta)


# ---- the same spans on the calling thread, for small arrays (``SERIAL_BELOW``) ----
# They share the span functions, so they add little compile time, as long as they call
# them with the same argument types (``np.int64(0)``: a literal 0 would be typed
# ``Literal[int]`` and compile every span again).
@njit
def _forward_serial(value, gate, out, code, beta):
    _forward_span(value, gate, out, np.int64(0), value.size, code, beta)


@njit
def _backward_serial(dout, value, gate, dvalue, dgate, code, beta):
    _backward_span(dout, value, gate, dvalue, dgate, np.int64(0), value.size, code, beta)


@njit
def _activate_serial(z, out, code, beta):
    _activate_span(z, out, np.int64(0), z.size, code, beta)


@njit
def _activate_grad_serial(z, out, code, beta):
    _activate_grad_span(z, out, np.int64(0), z.size, code, beta)


def forward(value, gate, out, code, beta):
    """out = value * act(gate) for flat, contiguous float32 arrays (``code``: glulib.codes)."""
    if value.size < SERIAL_BELOW:
        _forward_serial(value, gate, out, code, beta)
    else:
        launch(_forward_parallel, value, gate, out, code, beta)


def backward(dout, value, gate, dvalue, dgate, code, beta):
    """dvalue = dout act(gate), dgate = dout value act'(gate), flat contiguous float32."""
    if value.size < SERIAL_BELOW:
        _backward_serial(dout, value, gate, dvalue, dgate, code, beta)
    else:
        launch(_backward_parallel, dout, value, gate, dvalue, dgate, code, beta)


def activate(z, out, code, beta):
    """out = act(z) for flat, contiguous float32 arrays."""
    if z.size < SERIAL_BELOW:
        _activate_serial(z, out, code, beta)
    else:
        launch(_activate_parallel, z, out, code, beta)


def activate_grad(z, out, code, beta):
    """out = act'(z) for flat, contiguous float32 arrays."""
    if z.size < SERIAL_BELOW:
        _activate_grad_serial(z, out, code, beta)
    else:
        launch(_activate_grad_parallel, z, out, code, beta)


def compile_all():
    """Call every kernel here once on tiny float32 arrays, which compiles them all (the code
    is a runtime argument: one call compiles every activation's span)."""
    a = np.ones(8, np.float32)
    for fwd, bwd, act, grad in ((_forward_serial, _backward_serial, _activate_serial, _activate_grad_serial),
                                (_forward_parallel, _backward_parallel, _activate_parallel, _activate_grad_parallel)):
        fwd(a, a, a.copy(), SIGMOID, 1.0)
        bwd(a, a, a, a.copy(), a.copy(), SIGMOID, 1.0)
        act(a, a.copy(), SIGMOID, 1.0)
        grad(a, a.copy(), SIGMOID, 1.0)


def source_of(name):
    """The source of what runs for float32 arrays: 'forward' or 'backward' gives the chunk
    loop, an activation name its float32 function and the one with its derivative."""
    if name in ("forward", "backward"):
        funcs = [mul_pair, forward_chunk if name == "forward" else backward_chunk]
    else:
        funcs = list(FUNCTIONS[name])
    return "\n\n".join(inspect.getsource(getattr(f, "py_func", f)) for f in funcs)
