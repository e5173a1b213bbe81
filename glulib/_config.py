"""Numba settings shared by every kernel in glulib (one place, as stumpy does).

``njit`` is numba.njit with the on-disk cache on. The cache lives next to the source
(``glulib/__pycache__``); when that folder is read-only Numba falls back to the user's
cache directory. If neither is writable we compile without a cache and say how to fix it.
"""

import functools
import hashlib
import os
import warnings
from pathlib import Path

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
    if len(args) == 1 and callable(args[0]):  # @njit
        return _stamped(numba.njit(**kwargs)(args[0]))
    decorate = numba.njit(*args, **kwargs)  # @njit(...)
    return lambda func: _stamped(decorate(func))


@functools.cache
def _source_fingerprint():
    """A hash of every glulib source file that holds Numba code."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.rglob("*.py")):
        text = path.read_bytes()
        if b"njit" in text:
            digest.update(path.name.encode() + b"\0" + text)
    return digest.hexdigest()


def _stamped(dispatcher):
    """Tie ``dispatcher``'s on-disk cache to all of glulib's Numba sources, not just its own file.

    Numba checks a cached kernel only against the modification time and size of the file
    that defines it, but a kernel inlines functions from other files (activations.py,
    _vecmath.py): after an update that changes only those, the old machine code would load
    silently. Adding a hash of every Numba source to the cache's stamp makes such an entry
    stale, so the kernel compiles again. tests/test_cache.py checks this.
    """
    cache_file = getattr(getattr(dispatcher, "_cache", None), "_cache_file", None)
    if cache_file is not None and hasattr(cache_file, "_source_stamp"):
        cache_file._source_stamp = (cache_file._source_stamp, _source_fingerprint())
    return dispatcher


def jit_disabled():
    """True when NUMBA_DISABLE_JIT is set (kernels then run as plain Python)."""
    return os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0")


#: The LLVM function attribute that ``wide_vectors`` sets (clang's -mprefer-vector-width=512).
PREFER_512 = '"prefer-vector-width"="512"'


def _has_avx512():
    try:
        import llvmlite.binding as llvm

        return bool(llvm.get_host_cpu_features().get("avx512f", False))
    except Exception:  # pragma: no cover - a platform llvmlite cannot inspect
        return False


#: A division marked ``arcp`` (``activations32.quick_div``) becomes a reciprocal estimate
#: times the numerator, which its caller refines with one Newton step. AVX-512's estimate
#: (vrcp14ps) has 14 bits, enough for that step to reach float32 (2^-28); older CPUs'
#: (rcpps) has 12, so LLVM refines it once first (clang's -mrecip=vec-divf:N).
RECIP_ESTIMATE = '"reciprocal-estimates"="vec-divf:%d"' % (0 if _has_avx512() else 1)

if jit_disabled():

    def wide_vectors():
        """No-op in plain Python."""

else:
    from numba import types
    from numba.extending import intrinsic

    @intrinsic
    def wide_vectors(typingctx):
        """Let LLVM vectorise the calling function with 512-bit registers.

        On CPUs with AVX-512, LLVM prefers 256-bit vectors by default (older Xeons lowered
        their clock for 512-bit code), so a float32 loop gets 8 lanes instead of 16. The
        fused kernels are compute-bound in float32, and measured here 16 lanes are faster
        (bench/bench_kernels.py). Calling this inside a loop's function sets the attribute
        clang sets for -mprefer-vector-width=512; CPUs without AVX-512 are unaffected. It
        also lets a division marked ``arcp`` be an unrefined reciprocal estimate
        (``RECIP_ESTIMATE``, clang's -mrecip=vec-divf:0); only ``activations32.quick_div``
        is marked, and it is refined by a Newton step. If llvmlite ever stops accepting the
        attributes, the call does nothing.
        """

        def codegen(context, builder, signature, args):
            try:
                set.add(builder.function.attributes, PREFER_512)  # llvmlite checks names; LLVM knows it
                set.add(builder.function.attributes, RECIP_ESTIMATE)
            except TypeError:  # pragma: no cover - a future llvmlite without a set of attributes
                pass
            return context.get_dummy_value()

        return types.none(), codegen
