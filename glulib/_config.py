"""Numba settings shared by both kernel families, the reading path (``core``) and the fast
path (``fast``): one place, as stumpy does.

``njit`` is numba.njit with the on-disk cache on. The cache lives next to the source
(``glulib/__pycache__``); when that folder is read-only Numba falls back to the user's
cache directory. If neither is writable we compile without a cache and say how to fix it.
"""

import os
import threading
import warnings

import numba

from .fast import numba_cache

#: Fast-math flags: only "contract", which lets LLVM fuse a * b + c into one FMA instruction
#: (one rounding instead of two: never less accurate). No nnan/ninf/reassoc: the kernels rely
#: on NaN and inf semantics, and tests/test_accuracy.py checks the extremes with this setting.
FASTMATH = {"contract"}
#: Elements a thread handles at a time in the parallel kernels.
CHUNK = 1 << 15
#: Arrays with fewer elements than this run on the calling thread: below one chunk the
#: parallel kernels would give the whole array to one thread anyway, but they still wake
#: the thread pool, which costs far more than a few hundred elements of work.
SERIAL_BELOW = CHUNK


def jit_disabled():
    """True when NUMBA_DISABLE_JIT is set (kernels then run as plain Python)."""
    return os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0")


def _probe():  # pragma: no cover - only its file location matters
    return 0


def _cache_usable():
    """True when Numba can find a writable cache directory for this package."""
    try:
        numba.njit(cache=True)(_probe)
    except RuntimeError:
        return False
    return True


CACHE = _cache_usable()
if not CACHE:
    warnings.warn(
        "glulib: Numba cannot write its cache next to glulib nor in your user cache "
        "directory, so every kernel is compiled again in each new session (a few "
        "seconds). Set NUMBA_CACHE_DIR to a writable folder, for example "
        "`export NUMBA_CACHE_DIR=/tmp/numba-cache`, before starting Python.",
        RuntimeWarning,
        stacklevel=2,
    )


def njit(*args, **kwargs):
    """``numba.njit`` with glulib's defaults (cache, FMA contraction only, NumPy's error model).

    ``error_model="numpy"``: a float division by zero gives inf or NaN as in NumPy instead
    of raising ZeroDivisionError. The check Python's model needs before every division is
    a branch that stops LLVM from vectorising the loop (parallel kernels use NumPy's model
    already; this makes the serial ones match). Every kernel's cache is guarded
    (``fast.numba_cache``): tied to all of glulib's Numba sources, and a corrupt cache file
    is compiled again with a warning.
    """
    kwargs.setdefault("cache", CACHE)
    kwargs.setdefault("fastmath", FASTMATH)
    kwargs.setdefault("error_model", "numpy")
    if len(args) == 1 and callable(args[0]):  # @njit
        return numba_cache.guard(numba.njit(**kwargs)(args[0]))
    decorate = numba.njit(*args, **kwargs)  # @njit(...)
    return lambda func: numba_cache.guard(decorate(func))


# Numba's "workqueue" threading layer (its fallback when neither OpenMP nor TBB loads) is
# not thread-safe: two Python threads launching parallel kernels at once abort the process.
# Until the first launch has chosen a layer, and from then on if it chose workqueue, kernels
# run one launch at a time.
_LAUNCH = threading.Lock()
_serialise = True


def launch(kernel, *args):
    """Call the kernel ``kernel(*args)``; a parallel one, one launch at a time under workqueue
    (see above). A serial kernel never touches the thread pool and is called as it is."""
    global _serialise
    if not _serialise or not getattr(kernel, "targetoptions", {}).get("parallel"):
        return kernel(*args)
    with _LAUNCH:
        result = kernel(*args)
        try:
            _serialise = numba.threading_layer() == "workqueue"
        except ValueError:  # no layer launched yet (NUMBA_DISABLE_JIT): stay careful
            pass
        return result
