"""Measurements of the kernels, for notebooks 08 and 09 and the benchmarks (bench/).

Everything here measures or counts; nothing is typed in. Timings on a shared machine are
noisy, so candidates are timed interleaved (one run of each in turn, repeated) and the
median is kept; ratios measured together mean more than absolute times. The benchmarks'
own statistics (intervals on ratios) are in bench/stats.py.
"""

import inspect
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from numba import prange

from . import core
from ._validate import choice
from .codes import ACTIVATIONS
from .elementwise import activate, activate_grad, glu, glu_backward
from .fast import kernels as fast
from .jit import CACHE, CHUNK, SERIAL_BELOW, jit_disabled, launch, njit

# ---- the code that runs ----


def source_of(name, dtype=np.float64):
    """The source of the code that runs for ``name`` ('forward', 'backward' or an activation)
    on arrays of ``dtype``: ``glulib.core`` for float64, the fast path for float32."""
    choice(name, ("forward", "backward", *ACTIVATIONS), "source_of", "name")
    if np.dtype(dtype) == np.float32:
        return fast.source_of(name)
    func = {"forward": core.forward_loop, "backward": core.backward_loop}.get(name) or getattr(core, name)
    return inspect.getsource(getattr(func, "py_func", func))


# ---- timing ----


def interleaved_rounds(candidates, repeats=7, warmup=1):
    """Seconds per call of each candidate (a dict name -> no-argument callable), one list
    per candidate with one entry per round. Each round times every candidate in turn, so
    that a burst of load on the machine hits them all alike."""
    for fn in candidates.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in candidates}
    for _ in range(repeats):
        for name, fn in candidates.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def interleaved(candidates, repeats=7, warmup=1):
    """Median seconds per call of each candidate, timed in rounds (``interleaved_rounds``)."""
    times = interleaved_rounds(candidates, repeats, warmup)
    return {name: float(np.median(t)) for name, t in times.items()}


@njit(parallel=True)
def _parallel_copy(src, dst):
    n = src.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        for j in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            i = np.uint64(j)
            dst[i] = src[i]


def parallel_copy(src, dst):
    """dst[:] = src for flat arrays of one dtype, in chunks shared out over the threads as the
    kernels are."""
    launch(_parallel_copy, src, dst)


def copy_bandwidth(n=1 << 22, dtype=np.float32, repeats=7):
    """This machine's copy bandwidth in bytes/s: a copy reads n items and writes n items.

    The faster of NumPy's copy (one thread) and a copy split over every thread, as the
    kernels are: the roof they are compared against.
    """
    src = np.ones(n, dtype=dtype)
    dst = np.empty_like(src)
    t = interleaved({"numpy": lambda: np.copyto(dst, src), "threads": lambda: parallel_copy(src, dst)},
                    repeats=repeats)
    return 2 * src.nbytes / min(t.values())


# ---- the NumPy compositions a reader would write, and the memory they move ----


def _sigmoid_np(z):
    # 1 / (1 + exp(-z)) overflows (with a warning) in exp for z < -89 (float32); this form
    # is the textbook one and what most code does; the errstate keeps the benchmark quiet.
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def _erf_np(x):
    # NumPy has no erf; Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), as code without
    # SciPy does. Enough for a timing; its accuracy is not what is being compared.
    t = 1.0 / (1.0 + 0.3275911 * np.abs(x))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return np.sign(x) * (1.0 - poly * np.exp(-x * x))


def numpy_forward_act(z, name):
    """act(z) alone, written as NumPy one-liners: what a forward computes (no derivative)."""
    if name == "sigmoid":
        return _sigmoid_np(z)
    if name == "silu":
        return z * _sigmoid_np(z)
    if name == "gelu":
        return z * (0.5 * (1 + _erf_np(z * 0.7071067811865476)))
    if name == "relu":
        return np.maximum(z, 0)
    if name == "identity":
        return z
    if name == "tanh":
        return np.tanh(z)
    if name == "gelu_tanh":
        return 0.5 * z * (1 + np.tanh(0.7978845608028654 * (z + 0.044715 * z**3)))
    raise ValueError(f"numpy_forward_act: unknown name {name!r}")


def numpy_act(z, name):
    """(act(z), act'(z)) written as NumPy one-liners, as a backward needs them."""
    if name == "sigmoid":
        s = _sigmoid_np(z)
        return s, s * (1 - s)
    if name == "silu":
        s = _sigmoid_np(z)
        return z * s, s * (1 + z * (1 - s))
    if name == "gelu":
        cdf = 0.5 * (1 + _erf_np(z * 0.7071067811865476))
        return z * cdf, cdf + z * (0.3989422804014327 * np.exp(-0.5 * z * z))
    if name == "relu":
        return np.maximum(z, 0), (z > 0).astype(z.dtype)
    if name == "identity":
        return z, np.ones_like(z)
    if name == "tanh":
        t = np.tanh(z)
        return t, 1 - t * t
    if name == "gelu_tanh":
        t = np.tanh(0.7978845608028654 * (z + 0.044715 * z**3))
        return 0.5 * z * (1 + t), 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * 0.7978845608028654 * (1 + 3 * 0.044715 * z * z)
    raise ValueError(f"numpy_act: unknown name {name!r}")


def numpy_glu(value, gate, name):
    """value * act(gate), NumPy one-liners (the forward a reader would write: act' is not computed)."""
    return value * numpy_forward_act(gate, name)


def numpy_glu_backward(dout, value, gate, name):
    """(dvalue, dgate) in NumPy one-liners, recomputing act(gate) as the fused kernel does."""
    f, df = numpy_act(gate, name)
    return dout * f, dout * value * df


def numpy_inplace(n, dtype, name):
    """Forward and forward+backward with NumPy's in-place ufuncs (out=) into buffers allocated
    once: the best plain NumPy does without temporaries. Returns (forward, fwd_bwd) callables
    of (dout, value, gate); only sigmoid, silu, relu and identity gates are written out."""
    s = np.empty(n, dtype)
    t = np.empty(n, dtype)
    out = np.empty(n, dtype)
    dv = np.empty(n, dtype)
    dg = np.empty(n, dtype)

    def sigmoid_into(gate):
        np.negative(gate, out=s)
        with np.errstate(over="ignore"):
            np.exp(s, out=s)
        np.add(s, 1, out=s)
        np.reciprocal(s, out=s)

    def forward(dout, value, gate):
        if name == "sigmoid":
            sigmoid_into(gate)
            np.multiply(value, s, out=out)
        elif name == "silu":
            sigmoid_into(gate)
            np.multiply(gate, s, out=t)
            np.multiply(value, t, out=out)
        elif name == "relu":
            np.maximum(gate, 0, out=t)
            np.multiply(value, t, out=out)
        elif name == "identity":
            np.multiply(value, gate, out=out)
        else:
            raise ValueError(f"numpy_inplace: no in-place version for {name!r}")
        return out

    def fwd_bwd(dout, value, gate):
        forward(dout, value, gate)
        if name == "sigmoid":  # dv = dout s; dg = dout v s (1 - s)
            np.multiply(dout, s, out=dv)
            np.subtract(1, s, out=t)
            np.multiply(t, s, out=t)
            np.multiply(dout, value, out=dg)
            np.multiply(dg, t, out=dg)
        elif name == "silu":  # dv = dout z s; dg = dout v s (1 + z (1 - s))
            np.multiply(gate, s, out=t)
            np.multiply(dout, t, out=dv)
            np.subtract(1, s, out=t)
            np.multiply(t, gate, out=t)
            np.add(t, 1, out=t)
            np.multiply(t, s, out=t)
            np.multiply(dout, value, out=dg)
            np.multiply(dg, t, out=dg)
        elif name == "relu":
            np.maximum(gate, 0, out=t)
            np.multiply(dout, t, out=dv)
            np.greater(gate, 0, out=t)  # casts True/False to 1/0 in t's dtype
            np.multiply(dout, value, out=dg)
            np.multiply(dg, t, out=dg)
        else:  # identity
            np.multiply(dout, gate, out=dv)
            np.multiply(dout, value, out=dg)
        return out, dv, dg

    return forward, fwd_bwd


class _Counted(np.ndarray):
    """An ndarray that adds the bytes each ufunc reads and writes to a shared tally."""

    tally = None

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        plain = [np.asarray(a) if isinstance(a, _Counted) else a for a in inputs]
        outs = kwargs.get("out")
        if outs:
            kwargs["out"] = tuple(np.asarray(o) if isinstance(o, _Counted) else o for o in outs)
        result = getattr(ufunc, method)(*plain, **kwargs)
        results = result if isinstance(result, tuple) else (result,)
        reads = sum(a.nbytes for a in plain if isinstance(a, np.ndarray) and a.ndim > 0)
        writes = sum(r.nbytes for r in results if isinstance(r, np.ndarray) and r.ndim > 0)
        _Counted.tally["read"] += reads
        _Counted.tally["written"] += writes
        _Counted.tally["calls"] += 1
        return tuple(r.view(_Counted) if isinstance(r, np.ndarray) else r for r in results) if isinstance(
            result, tuple) else (result.view(_Counted) if isinstance(result, np.ndarray) else result)


def count_traffic(fn, *arrays):
    """Bytes read and written by every NumPy ufunc call inside fn(*arrays), temporaries
    included: {'read', 'written', 'calls'}. Counted by running fn on small counting arrays."""
    _Counted.tally = {"read": 0, "written": 0, "calls": 0}
    fn(*(np.asarray(a).view(_Counted) for a in arrays))
    return dict(_Counted.tally)


def fused_traffic(n, dtype, backward):
    """Bytes the fused kernels must move: forward reads value and gate and writes out;
    backward reads dout, value, gate and writes dvalue, dgate."""
    item = np.dtype(dtype).itemsize
    return (3 + (5 if backward else 0)) * n * item


# ---- accuracy, in ulps ----


def ulp_error(got, ref):
    """Distance in float32 ulps between float32 ``got`` and the float64 ``ref`` rounded."""
    def ordered(x):
        i = np.asarray(x, np.float32).view(np.int32).astype(np.int64)
        return np.where(i < 0, -(i & 0x7FFFFFFF), i)

    return np.abs(ordered(got) - ordered(np.asarray(ref).astype(np.float32)))


def ulp_sweep(name, z=None, grad=False):
    """(z, ulps) of glulib's float32 activation (or its derivative, the fast path) against
    the float64 reading path over z (default: 20,001 points on [-12, 12])."""
    z = np.linspace(-12, 12, 20001).astype(np.float32) if z is None else np.asarray(z, np.float32)
    func = activate_grad if grad else activate
    return z, ulp_error(func(z, name), func(z.astype(np.float64), name))


# ---- threads ----


def thread_scaling(n=1 << 21, activation="silu", dtype=np.float32, repeats=5, threads=None):
    """Seconds of one fused forward+backward with 1, 2, ... all threads: {threads: s}."""
    import numba

    rng = np.random.default_rng(0)
    value, gate, dout = (rng.standard_normal(n).astype(dtype) for _ in range(3))
    most = numba.config.NUMBA_NUM_THREADS
    threads = list(range(1, most + 1)) if threads is None else threads
    before = numba.get_num_threads()
    result = {}
    try:
        for k in threads:
            numba.set_num_threads(k)
            result[k] = interleaved({"fb": lambda: (glu(value, gate, activation),
                                                    glu_backward(dout, value, gate, activation))},
                                    repeats=repeats)["fb"]
    finally:
        numba.set_num_threads(before)
    return result


# ---- compile time and the cache, in a fresh process ----

_COMPILE_PROBE = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import numpy as np
import glulib
t_import = time.perf_counter() - t0
every = sys.argv[1] == "every"
t1 = time.perf_counter()
x = np.ones(8, np.float32)
glulib.glu(x, x, "silu")
t_first = time.perf_counter() - t1
if every:  # both dtypes, below and above the size where the threads take over
    for dtype in (np.float32, np.float64):
        for n in (8, glulib.jit.SERIAL_BELOW):
            x = np.ones(n, dtype)
            glulib.glu(x, x, "silu"), glulib.glu_backward(x, x, x, "silu")
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"import_s": t_import, "first_call_s": t_first, "total_s": time.perf_counter() - t0,
                  "cpu_s": ru.ru_utime + ru.ru_stime}))
"""


def fresh_process_timing(cache_dir=None, every=False):
    """Run a fresh interpreter that imports glulib and calls glu once (and, with every=True,
    compiles every kernel for both dtypes); returns its timings in seconds:
    {'import_s', 'first_call_s', 'total_s' (in-process), 'cpu_s', 'wall_s' (whole process)}.

    ``cache_dir``: a NUMBA_CACHE_DIR for the child (an empty folder gives a cold compile);
    None keeps the default cache next to the package (warm once it has run).
    """
    env = dict(os.environ)
    env.pop("NUMBA_DISABLE_JIT", None)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = str(cache_dir)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _COMPILE_PROBE, "every" if every else "one"],
                          env=env, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"fresh_process_timing: the child failed:\n{proc.stderr[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_s"] = wall
    return result


def cold_and_warm(every=False):
    """Timings of a cold start (empty cache folder) then a warm one (same folder)."""
    with tempfile.TemporaryDirectory(prefix="glulib-numba-cache-") as cache:
        cold = fresh_process_timing(cache, every=every)
        warm = fresh_process_timing(cache, every=every)
    return cold, warm


# ---- the on-disk cache ----


def cache_problem():
    """Why compiled kernels are not kept between sessions here, or None when they are."""
    if jit_disabled():
        return "NUMBA_DISABLE_JIT is set: nothing is compiled"
    if not CACHE:
        return "Numba has no writable cache folder here"
    return None


def warm_every_kernel():
    """Call every kernel a notebook can reach once, so that each is compiled (or loaded from
    the cache): the four public functions for every activation, float32 and float64, on
    arrays below and above the size where the threads take over, the parallel copy, and one
    training step."""
    for dtype in (np.float32, np.float64):
        for n in (8, SERIAL_BELOW):
            x = np.full(n, 0.5, dtype)  # (n,)
            for name in ACTIVATIONS:
                glu(x, x, name)
                glu_backward(x, x, x, name)
                activate(x, name)
                activate_grad(x, name)
            parallel_copy(np.ones(n, dtype), np.empty(n, dtype))
    fast.compile_all()
    _warm_training_step()


def _warm_training_step():
    """One float32 training step of a tiny model with a gated and an ungated FFN: the model's
    own kernels (attention, norms, loss, embedding) and AdamW's, as notebook 06 calls them."""
    from . import model, optim

    rng = np.random.default_rng(0)
    wide = -(-3 * SERIAL_BELOW // 16)  # 8 tokens x 2/3 of it reach the threaded kernels
    for variant, d_ff_baseline in itertools.product(("relu", "glu"), (12, wide)):
        config = model.ModelConfig(vocab_size=8, variant=variant, d_model=8, n_layers=1, n_heads=2,
                                   seq_len=4, d_ff_baseline=d_ff_baseline)
        params = model.init_params(config, rng)
        windows = rng.integers(0, 8, (2, 5), dtype=np.int32)  # (batch, seq_len + 1)
        tokens, targets = windows[:, :-1], windows[:, 1:]  # (batch, seq_len) views, as training takes them
        model.loss(params, tokens, targets, config)  # evaluation: the forward alone
        _, grads = model.loss_and_grads(params, tokens, targets, config)
        optim.AdamW(params).step(grads, 1e-3)


__all__ = [
    "source_of",
    "cache_problem",
    "parallel_copy",
    "warm_every_kernel",
    "cold_and_warm",
    "copy_bandwidth",
    "count_traffic",
    "fresh_process_timing",
    "fused_traffic",
    "interleaved",
    "interleaved_rounds",
    "numpy_act",
    "numpy_forward_act",
    "numpy_glu",
    "numpy_glu_backward",
    "numpy_inplace",
    "thread_scaling",
    "ulp_error",
    "ulp_sweep",
]
