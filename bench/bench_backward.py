"""The depth experiment: glulib's serial path for small arrays against the thread pool.

``glulib.backward`` calls the elementwise kernels thousands of times on arrays of a few
hundred elements. Below ``SERIAL_BELOW`` elements (glulib/jit.py) the kernels run on the calling
thread instead of waking Numba's pool. This measures that choice: the same sweep as
shipped and with the parallel kernels forced for every size, side by side.
"""

import time

import numba

from glulib import backward, elementwise
from glulib.fast import kernels as fast


def _sweep():
    for mode in backward.MODES:
        backward.gradient_ratios("glu", mode, 64, 32, 8, 0)


def _best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def run():
    original = elementwise.SERIAL_BELOW
    _sweep()  # compile and warm the caches (serial kernels)
    serial = _best_of(_sweep)
    elementwise.SERIAL_BELOW = fast.SERIAL_BELOW = 0  # every call goes to the parallel kernels
    try:
        _sweep()  # compile the parallel kernels
        pooled = _best_of(_sweep)
    finally:
        elementwise.SERIAL_BELOW = fast.SERIAL_BELOW = original
    print(f"GLU, 3 connections x 64 layers, width 32, batch 8; Numba pool of {numba.get_num_threads()} threads")
    print(f"  serial below {original} elements (as shipped) {serial * 1e3:8.1f} ms")
    print(f"  thread pool for every call            {pooled * 1e3:8.1f} ms")
    print(f"  pool / serial                         {pooled / serial:8.2f}x")
