"""The fused gated product, forward next to backward.

    out    = value * act(gate)
    dvalue = dout * act(gate)
    dgate  = dout * value * act'(gate)

The forward reads ``value`` and ``gate`` once and writes ``out``; the backward reads
``dout``, ``value`` and ``gate`` once and writes ``dvalue`` and ``dgate``. Nothing else is
stored between them: the backward recomputes ``act(gate)`` from the saved pre-activation,
as Liger-Kernel and xformers do, instead of keeping the hidden product.

Public wrappers check and prepare the input; the private kernels work on flat,
contiguous arrays of one dtype and split them into chunks across threads. Each dtype has
its own family: float64 arrays compute in float64 (``activations.py``), float32 arrays in
float32 (``activations32.py``). ``activate``, ``activate_grad`` and the ungated FFN use the
same kernels with ``value`` (or ``dout``) an array of ones: 1 * act(z) is exact.
"""

import numpy as np
from numba import prange, types
from numba.extending import overload

from ._config import CHUNK, jit_disabled, njit, wide_vectors
from ._vecmath import to_f64
from . import _validate
from . import activations32 as a32
from .activations32 import fma

_ZERO32 = np.float32(0.0)
from .activations import (
    _gelu,
    _gelu_tanh,
    _identity,
    _relu,
    _sigmoid,
    _silu,
    _tanh,
    _gelu_d,
    _gelu_tanh_d,
    _identity_d,
    _relu_d,
    _sigmoid_d,
    _silu_d,
    _tanh_d,
    check_activation,
)

# The forward kernel calls ``f(z, beta)``; the others call ``f_and_df(z, beta) -> (f, df)``
# and keep what they need (LLVM removes arithmetic whose result is unused). Every chunk
# asks for 512-bit vectors (``wide_vectors``): sixteen float32 lanes instead of eight.
#
# The stores are ordinary ones. Streaming (non-temporal) stores skip the read of each output
# cache line that a store to memory outside the cache makes first; they were tried here
# (each chunk computed into a tile in L1, then streamed out in aligned 64-byte stores) and
# measured on float32 arrays of 2^22 elements beside the ordinary kernels: the bilinear
# forward, a bare multiply, gained at most 6%, and the forward plus backward of GEGLU and
# SwiGLU lost 15-35%. The ordinary kernels already run level with a hand-written AVX-512
# C loop and with PyTorch on the bare multiply (bench/bench_kernels.py).


# ---- one chunk, one activation (compiled into the span functions below) ----
# The index is made unsigned: with a signed index Numba adds ``i < 0 ? i + n : i`` to
# every access (Python's negative indexing), LLVM can no longer see that the loads are
# contiguous, and emits gathers and scatters, several times slower.
@njit(inline="always")
def _glu_fwd_chunk(value, gate, out, lo, hi, beta, f):
    wide_vectors()
    for j in range(lo, hi):
        i = np.uint64(j)  # unsigned: no negative-index wraparound, so loads stay contiguous
        out[i] = to_f64(value[i]) * f(gate[i], beta)


@njit(inline="always")
def _glu_bwd_chunk(dout, value, gate, dvalue, dgate, lo, hi, beta, f_and_df):
    wide_vectors()
    for j in range(lo, hi):
        i = np.uint64(j)
        a, da = f_and_df(gate[i], beta)
        d = to_f64(dout[i])
        dvalue[i] = d * a
        dgate[i] = d * (to_f64(value[i]) * da)  # in float64: one rounding, at the store




# The float32 family: activations return act(z) as a pair (hi, lo) (``activations32``;
# lo is None where act(z) is one float32), and each product is taken with one rounding:
# v (hi + lo) = fma(v, hi, v lo).
@njit(inline="always")
def _mul_pair_finite(v, hi, lo):
    vlo = v * lo
    return fma(v, hi, vlo) if vlo - vlo == _ZERO32 else v * hi


def _mul_pair(v, hi, lo):
    """v (hi + lo) with one rounding; lo is None for an activation that is exact in one
    float32 (sigmoid, tanh, relu, identity), and the product is then v hi. Where v lo is
    not finite (v or hi is inf or NaN, lo 0 or NaN), it is v hi too: inf and NaN come out
    as a plain product would."""
    return v * hi if lo is None else _mul_pair_finite(v, hi, lo)


if not jit_disabled():

    @overload(_mul_pair)
    def _mul_pair_compiled(v, hi, lo):
        # Numba does not prune ``lo is None`` inside an inlined function: choose by type
        # (not inlined by Numba, whose inliner mishandles the select; LLVM inlines it).
        if isinstance(lo, types.NoneType):
            return lambda v, hi, lo: v * hi
        return lambda v, hi, lo: _mul_pair_finite(v, hi, lo)


@njit(inline="always")
def _glu_fwd_chunk32(value, gate, out, lo, hi, beta, f):
    wide_vectors()
    for j in range(lo, hi):
        i = np.uint64(j)
        a_hi, a_lo = f(gate[i], beta)
        out[i] = _mul_pair(value[i], a_hi, a_lo)


@njit(inline="always")
def _glu_bwd_chunk32(dout, value, gate, dvalue, dgate, lo, hi, beta, f_and_df):
    wide_vectors()
    for j in range(lo, hi):
        i = np.uint64(j)
        a_hi, a_lo, da = f_and_df(gate[i], beta)
        d = dout[i]
        v = value[i]
        dvalue[i] = _mul_pair(d, a_hi, a_lo)
        p = v * da  # v act'(gate) exactly as p + its rounding error, then times d
        dgate[i] = _mul_pair(d, p, fma(v, da, -p))


# ---- one span [lo, hi) for any activation: the activation is chosen once per span ----
# Ordinary (not inlined) functions: everything inside them is inlined so that the loops
# vectorise, while the parallel kernels below stay small. Numba's parfor passes copy and
# rewrite the whole loop body, so a large body inside prange costs many seconds of
# compile time; a call costs nothing.
#
# Two families: float64 arrays use the activations of ``activations.py`` (float64
# throughout); float32 arrays use those of ``activations32.py`` (float32
# arithmetic, sixteen lanes). The wrappers pick the family by dtype, so each span is
# compiled for one dtype only.
@njit
def _glu_fwd_span(value, gate, out, lo, hi, code, beta):
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


@njit
def _glu_fwd_span32(value, gate, out, lo, hi, code, beta):
    if code == 0:
        _glu_fwd_chunk32(value, gate, out, lo, hi, beta, a32.sigmoid32)
    elif code == 1:
        _glu_fwd_chunk32(value, gate, out, lo, hi, beta, a32.tanh32)
    elif code == 2:
        _glu_fwd_chunk32(value, gate, out, lo, hi, beta, a32.relu32)
    elif code == 3:
        _glu_fwd_chunk32(value, gate, out, lo, hi, beta, a32.gelu32)
    elif code == 4:
        _glu_fwd_chunk32(value, gate, out, lo, hi, beta, a32.gelu_tanh32)
    elif code == 5:
        _glu_fwd_chunk32(value, gate, out, lo, hi, beta, a32.silu32)
    else:
        _glu_fwd_chunk32(value, gate, out, lo, hi, beta, a32.identity32)


@njit
def _glu_bwd_span(dout, value, gate, dvalue, dgate, lo, hi, code, beta):
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


@njit
def _glu_bwd_span32(dout, value, gate, dvalue, dgate, lo, hi, code, beta):
    if code == 0:
        _glu_bwd_chunk32(dout, value, gate, dvalue, dgate, lo, hi, beta, a32.sigmoid32_and_grad)
    elif code == 1:
        _glu_bwd_chunk32(dout, value, gate, dvalue, dgate, lo, hi, beta, a32.tanh32_and_grad)
    elif code == 2:
        _glu_bwd_chunk32(dout, value, gate, dvalue, dgate, lo, hi, beta, a32.relu32_and_grad)
    elif code == 3:
        _glu_bwd_chunk32(dout, value, gate, dvalue, dgate, lo, hi, beta, a32.gelu32_and_grad)
    elif code == 4:
        _glu_bwd_chunk32(dout, value, gate, dvalue, dgate, lo, hi, beta, a32.gelu_tanh32_and_grad)
    elif code == 5:
        _glu_bwd_chunk32(dout, value, gate, dvalue, dgate, lo, hi, beta, a32.silu32_and_grad)
    else:
        _glu_bwd_chunk32(dout, value, gate, dvalue, dgate, lo, hi, beta, a32.identity32_and_grad)


# ---- the kernels: chunks of CHUNK elements shared out over threads ----
@njit(parallel=True)
def _glu_forward_parallel(value, gate, out, code, beta):
    n = value.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        _glu_fwd_span(value, gate, out, c * CHUNK, min(n, (c + 1) * CHUNK), code, beta)


@njit(parallel=True)
def _glu_forward_parallel32(value, gate, out, code, beta):
    n = value.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        _glu_fwd_span32(value, gate, out, c * CHUNK, min(n, (c + 1) * CHUNK), code, beta)


@njit(parallel=True)
def _glu_backward_parallel(dout, value, gate, dvalue, dgate, code, beta):
    n = value.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        _glu_bwd_span(dout, value, gate, dvalue, dgate, c * CHUNK, min(n, (c + 1) * CHUNK), code, beta)


@njit(parallel=True)
def _glu_backward_parallel32(dout, value, gate, dvalue, dgate, code, beta):
    n = value.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        _glu_bwd_span32(dout, value, gate, dvalue, dgate, c * CHUNK, min(n, (c + 1) * CHUNK), code, beta)


# ---- the same spans on the calling thread, for small arrays ----
# Below one chunk the parallel kernels would hand the whole array to a single thread
# anyway, but they still wake the thread pool: microseconds of work then cost
# milliseconds on a busy machine (measured here: activate on 241 elements, 8 ms with two
# threads against 13 us with one). The serial kernels share the span functions, so they
# add little compile time, as long as they call them with the same argument types
# (``np.int64(0)``: a literal 0 would be typed ``Literal[int]`` and compile every span again).
@njit
def _glu_forward_serial(value, gate, out, code, beta):
    _glu_fwd_span(value, gate, out, np.int64(0), value.size, code, beta)


@njit
def _glu_forward_serial32(value, gate, out, code, beta):
    _glu_fwd_span32(value, gate, out, np.int64(0), value.size, code, beta)


@njit
def _glu_backward_serial(dout, value, gate, dvalue, dgate, code, beta):
    _glu_bwd_span(dout, value, gate, dvalue, dgate, np.int64(0), value.size, code, beta)


@njit
def _glu_backward_serial32(dout, value, gate, dvalue, dgate, code, beta):
    _glu_bwd_span32(dout, value, gate, dvalue, dgate, np.int64(0), value.size, code, beta)


#: Arrays with fewer elements than this run on the calling thread (see above).
SERIAL_BELOW = CHUNK

#: The compiled kernels: (kind, float32 or not, serial or not) -> kernel. Under
#: NUMBA_DISABLE_JIT float32 input takes the float64 family (plain Python has no float32
#: arithmetic to step through; the results are the same numbers rounded once).
_FAMILY32 = not jit_disabled()
_KERNELS = {
    ("glu_forward", False, False): _glu_forward_parallel,
    ("glu_forward", False, True): _glu_forward_serial,
    ("glu_forward", True, False): _glu_forward_parallel32 if _FAMILY32 else _glu_forward_parallel,
    ("glu_forward", True, True): _glu_forward_serial32 if _FAMILY32 else _glu_forward_serial,
    ("glu_backward", False, False): _glu_backward_parallel,
    ("glu_backward", False, True): _glu_backward_serial,
    ("glu_backward", True, False): _glu_backward_parallel32 if _FAMILY32 else _glu_backward_parallel,
    ("glu_backward", True, True): _glu_backward_serial32 if _FAMILY32 else _glu_backward_serial,
}


def _kernel(kind, a):
    """The kernel of ``kind`` for the flat array ``a``: by its dtype and its size."""
    return _KERNELS[kind, a.dtype == np.float32, a.size < SERIAL_BELOW]


def _glu_forward(value, gate, out, code, beta):
    """out = value * act(gate) for flat, contiguous arrays of one dtype."""
    _kernel("glu_forward", value)(value, gate, out, code, beta)


def _glu_backward(dout, value, gate, dvalue, dgate, code, beta):
    """dvalue, dgate of the gated product for flat, contiguous arrays of one dtype."""
    _kernel("glu_backward", value)(dout, value, gate, dvalue, dgate, code, beta)


#: Arrays of ones kept for reuse, per dtype, up to this many elements (32 MB in float32).
ONES_KEPT = 1 << 23
_ONES = {}


def _ones(n, dtype):
    """n ones of ``dtype``, flat: a view of a kept array when n <= ONES_KEPT. Private and
    never written to; the kernels take it as ``value`` (or ``dout``) to compute act(z)
    alone, so that activate, activate_grad and the ungated FFN need no kernels of their own
    (fewer kernels to compile: a cold start is that much shorter)."""
    kept = _ONES.get(np.dtype(dtype))
    if kept is not None and kept.size >= n:
        return kept[:n]
    ones = np.ones(n, dtype)  # (n,)
    if n <= ONES_KEPT:
        _ONES[np.dtype(dtype)] = ones
    return ones


def _act_forward(z, out, code, beta):
    """out = act(z) for flat, contiguous z and out of one dtype (1 * act(z): exact)."""
    _glu_forward(_ones(z.size, z.dtype), z, out, code, beta)


def _act_forward_and_grad(dout, z, out, dz, code, beta):
    """out = act(z) and dz = dout act'(z), in one pass (flat, contiguous, one dtype)."""
    _glu_backward(_ones(z.size, z.dtype), dout, z, out, dz, code, beta)


def _warm_every_kernel():
    """Call every compiled kernel once on tiny arrays of both dtypes (compiles them all;
    used to measure the cold compile time in a fresh process)."""
    for (kind, is32, _serial), kernel in _KERNELS.items():
        a = np.ones(8, np.float32 if is32 else np.float64)
        if kind == "glu_forward":
            kernel(a, a, a.copy(), 0, 1.0)
        else:
            kernel(a, a, a, a.copy(), a.copy(), 0, 1.0)


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
    _glu_forward(_flat(value, dtype), _flat(gate, dtype), out, code, beta)
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
        _flat(dout, dtype), _flat(value, dtype), _flat(gate, dtype), dvalue, dgate, code, beta
    )
    return _shaped(dvalue, value.shape), _shaped(dgate, value.shape)


def _elementwise(z, name, beta, func, grad):
    z = _validate.float_array(z, func, "z")
    code = check_activation(name, func, "name")
    beta = _validate.real_scalar(beta, func, "beta")
    shape = z.shape
    out = np.empty(z.size, dtype=z.dtype)  # (z.size,)
    z = _flat(z, z.dtype)
    if grad:  # act'(z) = 1 * 1 * act'(z), exactly; act(z) goes to a scratch array
        _act_forward_and_grad(_ones(z.size, z.dtype), z, np.empty_like(out), out, code, beta)
    else:
        _act_forward(z, out, code, beta)
    return _shaped(out, shape)
