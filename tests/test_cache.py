"""Numba's on-disk cache, wherever the course is installed: a read-only package folder (a
system-wide install, a shared JupyterHub image) caches in the user's cache folder or in
NUMBA_CACHE_DIR; when nothing is writable glulib warns and names NUMBA_CACHE_DIR; a change
to a file the kernels only inline compiles them again; a corrupt cache file is compiled
again with a warning instead of failing every call.

Each case runs in a fresh interpreter on a copy of the package. A folder is made unusable
for a cache by putting a regular file where the folder would be (``__pycache__``, or a
folder above a cache path): no one can create a folder there, root included, so the tests
do not depend on file permissions, on the user, or on the folders above the checkout.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, warnings
import numba
import numpy as np
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import glulib
    from glulib import core
    from glulib.fast import kernels
    out = glulib.glu(np.array([4.6, 1.0]), np.array([1.5, -1000.0]))  # the typhoon pump (float64)
    glulib.glu(np.ones(3, np.float32), np.ones(3, np.float32), "silu")  # and the fast path
stats = [d.stats for m in (core, kernels) for d in vars(m).values()
         if isinstance(d, numba.core.registry.CPUDispatcher)]
print(json.dumps({"file": glulib.__file__, "out": out.tolist(),
                  "hits": sum(sum(s.cache_hits.values()) for s in stats),
                  "misses": sum(sum(s.cache_misses.values()) for s in stats),
                  "warnings": [str(w.message) for w in caught if "glulib" in str(w.message)]}))
"""

SLOW = pytest.mark.slow  # each such case compiles kernels in fresh processes


@pytest.fixture
def sandbox(tmp_path):
    """A folder holding a copy of glulib (``pkg/glulib``), without any cache."""
    shutil.copytree(ROOT / "glulib", tmp_path / "pkg" / "glulib", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def _block_in_tree_caches(base):
    """Make every ``__pycache__`` of the copy a regular file: Numba cannot cache next to the source."""
    for package in (base / "pkg" / "glulib").rglob("__init__.py"):
        (package.parent / "__pycache__").write_text("not a folder\n")


def _unusable_dir(base, name):
    """A path below a regular file: creating it fails for every user."""
    (base / "blocker").write_text("not a folder\n")
    return base / "blocker" / name


def _run(base, **env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env.update(HOME=str(base / "home"), PYTHONPATH=str(base / "pkg"), PYTHONWARNINGS="default",
               XDG_CACHE_HOME=str(base / "xdg"))
    env.update(env_extra)
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=base / "pkg", env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["file"].startswith(str(base / "pkg")), "the probe imported another glulib"
    assert abs(result["out"][0] - 3.7608425905) < 1e-9 and result["out"][1] == 0.0
    return result


def _cache_files(folder):
    return [p for p in Path(folder).rglob("*") if p.suffix in (".nbi", ".nbc")]


@SLOW
def test_read_only_package_caches_in_the_user_cache_folder(sandbox):
    _block_in_tree_caches(sandbox)
    result = _run(sandbox)
    assert result["warnings"] == []
    assert _cache_files(sandbox / "xdg"), "Numba wrote no cache to the user cache folder"
    assert not _cache_files(sandbox / "pkg")
    assert _run(sandbox)["misses"] == 0  # and loads it in the next session


@SLOW
def test_numba_cache_dir_is_honoured(sandbox):
    _block_in_tree_caches(sandbox)
    cache = sandbox / "numba-cache"
    result = _run(sandbox, NUMBA_CACHE_DIR=str(cache), XDG_CACHE_HOME=str(_unusable_dir(sandbox, "xdg")))
    assert result["warnings"] == []
    assert _cache_files(cache), "Numba wrote no cache to NUMBA_CACHE_DIR"


@SLOW
def test_nowhere_to_cache_warns_and_names_numba_cache_dir(sandbox):
    _block_in_tree_caches(sandbox)
    result = _run(sandbox, XDG_CACHE_HOME=str(_unusable_dir(sandbox, "xdg")))
    assert any("NUMBA_CACHE_DIR" in w for w in result["warnings"]), result["warnings"]
    assert not _cache_files(sandbox)


@SLOW
def test_a_change_to_an_inlined_file_recompiles_the_kernels(sandbox):
    """Numba stamps a cached kernel with its own file only; glulib adds every Numba source."""
    assert _run(sandbox)["misses"] > 0  # first run compiles
    cached = _run(sandbox)
    assert cached["hits"] > 0 and cached["misses"] == 0  # then loads from the cache
    with open(sandbox / "pkg" / "glulib" / "fast" / "vecmath.py", "a") as f:
        f.write("\n# an edit to a file that the fast kernels only inline\n")
    assert _run(sandbox)["misses"] > 0  # stale: compiled again, not loaded


@SLOW
@pytest.mark.parametrize("suffix", [".nbi", ".nbc"])
def test_a_corrupt_cache_file_is_compiled_again_with_a_warning(sandbox, suffix):
    assert _run(sandbox)["warnings"] == []
    files = [p for p in _cache_files(sandbox / "pkg") if p.suffix == suffix]
    assert files
    for p in files:  # as a full disk or an interrupted write leaves them
        p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 3])
    result = _run(sandbox)
    assert result["misses"] > 0
    assert any("could not be read" in w and "compiling the kernel again" in w for w in result["warnings"])
    healed = _run(sandbox)  # the files were written again
    assert healed["warnings"] == [] and healed["misses"] == 0 and healed["hits"] > 0


def _fresh_dispatcher():
    import numba

    def twice(x):  # pragma: no cover - compiled by Numba
        return 2 * x

    return numba.njit(cache=True)(twice)


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0"), reason="no cache without the JIT")
def test_the_guard_patches_only_the_numba_versions_it_was_tested_with(monkeypatch):
    import warnings

    from glulib import jit

    low, high = jit.TESTED
    assert jit.supported(low) and not jit.supported(high)
    assert not jit.supported((low[0], low[1] - 1))
    guarded = jit.guard(_fresh_dispatcher())
    if jit.supported():
        assert guarded._cache._cache_file._source_stamp[1] == jit.source_fingerprint()
    monkeypatch.setattr(jit, "numba_version", lambda: high)
    jit._warn_untested.cache_clear()
    dispatcher = _fresh_dispatcher()
    stamp = dispatcher._cache._cache_file._source_stamp
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert jit.guard(dispatcher) is dispatcher
    assert dispatcher._cache._cache_file._source_stamp == stamp  # untouched
    assert "load_overload" not in vars(dispatcher._cache)
    assert any("outside the versions" in str(w.message) for w in caught)
    assert dispatcher(21) == 42  # and it still computes
    jit._warn_untested.cache_clear()
