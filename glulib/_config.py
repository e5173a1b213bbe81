"""Numba settings shared by every kernel in glulib (one place, as stumpy does).

``njit`` is numba.njit with the on-disk cache on. The cache lives next to the source
(``glulib/__pycache__``); when that folder is read-only Numba falls back to the user's
cache directory. If neither is writable we compile without a cache and say how to fix it.
"""

import os
import warnings

import numba

#: Fastmath stays off: the kernels' accuracy at the extremes is tested without it.
FASTMATH = {"contract"}
#: Elements a thread handles at a time in the parallel kernels.
CHUNK = 1 << 15


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
    """``numba.njit`` with glulib's defaults (cache, no fastmath, NumPy's error model).

    ``error_model="numpy"``: a float division by zero gives inf or NaN as in NumPy instead
    of raising ZeroDivisionError. The check Python's model needs before every division is
    a branch that stops LLVM from vectorising the loop (parallel kernels use NumPy's model
    already; this makes the serial ones match).
    """
    kwargs.setdefault("cache", CACHE)
    kwargs.setdefault("fastmath", FASTMATH)
    kwargs.setdefault("error_model", "numpy")
    return numba.njit(*args, **kwargs)


def jit_disabled():
    """True when NUMBA_DISABLE_JIT is set (kernels then run as plain Python)."""
    return os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0")
