"""The JIT layer under both kernel families, the reading path (``core``) and the fast path
(``fast``): Numba's settings, its on-disk cache, and the launch of parallel kernels. It
imports nothing from glulib, so every module that compiles a kernel can import it.

- ``njit`` is numba.njit with glulib's defaults and the on-disk cache on. The cache lives
  next to the source (``glulib/__pycache__``); when that folder is read-only Numba falls back
  to the user's cache directory. If neither is writable we compile without a cache and say
  how to fix it.
- ``guard`` adds two things Numba's cache does not do, by reaching into its cache objects:

  **Stamps of every source.** Numba checks a cached kernel only against the modification
  time and size of the file that defines it, but a kernel inlines functions from other
  files (``fast/float32.py``, ``fast/vecmath.py``, ``core.py``): after an update that changes
  only those, the old machine code would load silently. A hash of every glulib file holding
  Numba code is added to the stamp, so such an entry is stale and compiles again.
  **Recovery from a corrupt file.** A truncated or garbled ``.nbi``/``.nbc`` file (a full
  disk, an interrupted write) makes Numba raise on every call until the file is deleted.
  Here a failed load warns, drops the index and compiles again, which rewrites the files.

  Both use private attributes of Numba's caching classes, so they are applied only to the
  Numba versions they were checked with (``TESTED``); on any other version the kernels are
  cached by Numba alone, with a warning once, and still compute the same numbers.
- ``launch`` calls a parallel kernel safely from several Python threads.
"""

import functools
import hashlib
import os
import threading
import warnings
from pathlib import Path

import numba

_PACKAGE = Path(__file__).resolve().parent  # the glulib folder

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


# ---- the guard on Numba's on-disk cache ----
#: Numba versions (major, minor) whose cache internals this module was checked against:
#: from the oldest glulib supports up to, not including, the second.
TESTED = ((0, 60), (0, 69))


def numba_version():
    """Numba's (major, minor) version."""
    return tuple(int(part) for part in numba.__version__.split(".")[:2])


def supported(version=None):
    """True when ``version`` (default: the installed Numba) is in the tested range."""
    version = numba_version() if version is None else version
    return TESTED[0] <= version < TESTED[1]


@functools.cache
def _warn_untested():
    warnings.warn(
        f"glulib: Numba {numba.__version__} is outside the versions whose cache glulib's "
        f"guard was tested with ({TESTED[0][0]}.{TESTED[0][1]} to before "
        f"{TESTED[1][0]}.{TESTED[1][1]}); kernels are cached by Numba alone. Results are "
        "the same, but after updating glulib delete its __pycache__ folders so that no "
        "stale kernel loads.",
        RuntimeWarning,
        stacklevel=3,
    )


@functools.cache
def source_fingerprint():
    """A hash of every glulib source file that holds Numba code."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        text = path.read_bytes()
        if b"njit" in text:
            digest.update(str(path.relative_to(_PACKAGE)).encode() + b"\0" + text)
    return digest.hexdigest()


def guard(dispatcher):
    """``dispatcher`` with its cache stamped by every source and recovering from corrupt
    files; unchanged when it has no cache, or on an untested Numba."""
    cache = getattr(dispatcher, "_cache", None)
    cache_file = getattr(cache, "_cache_file", None)
    if cache_file is None:  # no cache (cache=False, or NUMBA_DISABLE_JIT)
        return dispatcher
    if not supported() or not hasattr(cache_file, "_source_stamp"):
        _warn_untested()
        return dispatcher
    cache_file._source_stamp = (cache_file._source_stamp, source_fingerprint())  # noqa: SLF001 (Numba's)
    cache.load_overload = functools.partial(_load_or_recompile, cache.load_overload, cache)
    return dispatcher


def _load_or_recompile(load, cache, sig, target_context):
    """Numba's ``load_overload``; on a file it cannot read, a warning and a cache miss."""
    try:
        return load(sig, target_context)
    except Exception as exc:  # any failure to unpickle or read: the file is not usable
        index = getattr(cache._cache_file, "_index_path", None)  # noqa: SLF001 (Numba's)
        warnings.warn(
            f"glulib: Numba's cache file for {cache._name} could not be read "  # noqa: SLF001 (Numba's)
            f"({type(exc).__name__}: {exc}); compiling the kernel again and rewriting the "
            f"cache in {cache.cache_path}.",
            RuntimeWarning,
            stacklevel=2,
        )
        if index is not None:
            try:
                os.remove(index)  # the next save starts a fresh index
            except OSError:
                pass
        return None


# ---- the compiler's defaults ----
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
    (``guard`` above): tied to all of glulib's Numba sources, and a corrupt cache file
    is compiled again with a warning.
    """
    kwargs.setdefault("cache", CACHE)
    kwargs.setdefault("fastmath", FASTMATH)
    kwargs.setdefault("error_model", "numpy")
    if len(args) == 1 and callable(args[0]):  # @njit
        return guard(numba.njit(**kwargs)(args[0]))
    decorate = numba.njit(*args, **kwargs)  # @njit(...)
    return lambda func: guard(decorate(func))


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
