"""Numba settings shared by every kernel in glulib (one place, as stumpy does).

``njit`` is numba.njit with the on-disk cache on. The cache lives next to the source
(``glulib/__pycache__``); when that folder is read-only Numba falls back to the user's
cache directory. If neither is writable we compile without a cache and say how to fix it.
"""

import os
import warnings

import numba

#: Fast-math flags: only "contract", which lets LLVM fuse a * b + c into one FMA instruction
#: (one rounding instead of two: never less accurate). No nnan/ninf/reassoc: the kernels rely
#: on NaN and inf semantics, and tests/test_accuracy.py checks the extremes with this setting.
#: Measured when it was switched on: the float32 sigmoid and gelu kernels ran 2-3x faster.
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
    """``numba.njit`` with glulib's defaults (cache, FMA contraction only, NumPy's error model).

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
