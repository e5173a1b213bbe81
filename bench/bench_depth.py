"""The depth experiment: glulib's parallel kernels on one thread against the default pool.

``glulib.depth`` calls the elementwise kernels thousands of times on arrays of a few
hundred elements; it pins Numba to one thread while it runs (``depth._one_thread``).
This measures that choice: the same sweep with and without the pin, side by side.
"""

import contextlib
import time

import numba

from glulib import depth


def _sweep():
    for mode in depth.MODES:
        depth.gradient_ratios("glu", mode, 64, 32, 8, 0)


def _best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def run():
    _sweep()  # compile and warm the caches
    pinned = _best_of(_sweep)
    original = depth._one_thread
    depth._one_thread = contextlib.nullcontext
    try:
        pooled = _best_of(_sweep)
    finally:
        depth._one_thread = original
    print(f"GLU, 3 connections x 64 layers, width 32, batch 8; Numba pool of {numba.get_num_threads()} threads")
    print(f"  one thread (as shipped) {pinned * 1e3:8.1f} ms")
    print(f"  default pool            {pooled * 1e3:8.1f} ms")
    print(f"  pool / one thread       {pooled / pinned:8.2f}x")
