"""Run glulib's parallel kernels on one thread while working on small arrays.

The kernels are compiled with ``parallel=True``. On a few hundred elements the work takes
microseconds, but waking the worker threads can take milliseconds on a busy machine
(measured here: about 8 ms per call with two busy cores, 13 us with one thread). The
panels, which call the kernels a few times per slider change, and the typhoon fit, which
calls them thousands of times on 240 storms, wrap their work in ``one_thread()``.
"""

import contextlib

import numba


@contextlib.contextmanager
def one_thread():
    """Numba's thread count set to 1 inside the block (for the calling thread), restored after."""
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)
