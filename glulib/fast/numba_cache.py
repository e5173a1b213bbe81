"""A guard on Numba's on-disk cache, applied to every glulib kernel (``glulib._config.njit``).

Two things Numba's cache does not do, added by reaching into its cache objects:

- **Stamps of every source.** Numba checks a cached kernel only against the modification
  time and size of the file that defines it, but a kernel inlines functions from other
  files (``fast/float32.py``, ``fast/vecmath.py``): after an update that changes only
  those, the old machine code would load silently. A hash of every glulib file holding
  Numba code is added to the stamp, so such an entry is stale and compiles again.
- **Recovery from a corrupt file.** A truncated or garbled ``.nbi``/``.nbc`` file (a full
  disk, an interrupted write) makes Numba raise on every call until the file is deleted.
  Here a failed load warns, drops the index and compiles again, which rewrites the files.

Both use private attributes of Numba's caching classes, so they are applied only to the
Numba versions they were checked with (``TESTED``); on any other version the kernels are
cached by Numba alone, with a warning once, and still compute the same numbers.
"""

import functools
import hashlib
import os
import warnings
from pathlib import Path

import numba

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
    for path in sorted(Path(__file__).resolve().parents[1].rglob("*.py")):
        text = path.read_bytes()
        if b"njit" in text:
            digest.update(str(path.relative_to(Path(__file__).resolve().parents[1])).encode() + b"\0" + text)
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
    cache_file._source_stamp = (cache_file._source_stamp, source_fingerprint())
    cache.load_overload = functools.partial(_load_or_recompile, cache.load_overload, cache)
    return dispatcher


def _load_or_recompile(load, cache, sig, target_context):
    """Numba's ``load_overload``; on a file it cannot read, a warning and a cache miss."""
    try:
        return load(sig, target_context)
    except Exception as exc:  # any failure to unpickle or read: the file is not usable
        index = getattr(cache._cache_file, "_index_path", None)
        warnings.warn(
            f"glulib: Numba's cache file for {cache._name} could not be read "
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
