"""Numba's on-disk cache when the package folder is read-only (a system-wide install, a
shared JupyterHub image): glulib still imports and computes, caching in the user's cache
folder or in NUMBA_CACHE_DIR; when neither is writable it warns and names NUMBA_CACHE_DIR.

Each case runs in a fresh interpreter on a read-only copy of the package. Permissions do
not bind root, so under root the interpreter runs as the unprivileged user 65534 (setpriv).
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOBODY = 65534

PROBE = """
import json, warnings
import numpy as np
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import glulib
    out = glulib.glu(np.array([4.6, 1.0]), np.array([1.5, -1000.0]))  # the typhoon pump
print(json.dumps({"file": glulib.__file__, "out": out.tolist(),
                  "warnings": [str(w.message) for w in caught if "glulib" in str(w.message)]}))
"""

pytestmark = pytest.mark.slow  # each case compiles a kernel in a fresh process


def _as_user_prefix():
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: read-only folders cannot be simulated")
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def _writable_dir(path):
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        os.chown(path, NOBODY, NOBODY)
    return path


def _make_read_only(path):
    for p in sorted(path.rglob("*"), reverse=True) + [path]:
        mode = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
        if p.is_dir():
            mode |= stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
        p.chmod(mode)


@pytest.fixture
def sandbox():
    """A world-traversable temp folder holding a read-only copy of glulib."""
    base = Path(tempfile.mkdtemp(prefix="glulib-cache-"))
    base.chmod(0o755)
    pkg = base / "pkg"
    shutil.copytree(ROOT / "glulib", pkg / "glulib", ignore=shutil.ignore_patterns("__pycache__"))
    _make_read_only(pkg)
    try:
        yield base
    finally:
        for p in base.rglob("*"):
            if p.is_dir():
                p.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


def _run(base, **env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env.update(HOME=str(base / "home"), PYTHONPATH=str(base / "pkg"), PYTHONWARNINGS="default")
    env.update(env_extra)
    proc = subprocess.run(
        _as_user_prefix() + [sys.executable, "-c", PROBE],
        cwd=base / "pkg", env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["file"].startswith(str(base / "pkg")), "the probe imported another glulib"
    assert abs(result["out"][0] - 3.7608425905) < 1e-9 and result["out"][1] == 0.0
    return result


def _cache_files(folder):
    return [p for p in Path(folder).rglob("*") if p.suffix in (".nbi", ".nbc")]


def test_read_only_package_caches_in_the_user_cache_folder(sandbox):
    _writable_dir(sandbox / "home")
    xdg = _writable_dir(sandbox / "xdg")
    result = _run(sandbox, XDG_CACHE_HOME=str(xdg))
    assert result["warnings"] == []
    assert _cache_files(xdg), "Numba wrote no cache to the user cache folder"
    assert not _cache_files(sandbox / "pkg")


def test_numba_cache_dir_is_honoured(sandbox):
    _writable_dir(sandbox / "home")
    cache = _writable_dir(sandbox / "numba-cache")
    result = _run(sandbox, NUMBA_CACHE_DIR=str(cache), XDG_CACHE_HOME=str(sandbox / "nowhere"))
    assert result["warnings"] == []
    assert _cache_files(cache), "Numba wrote no cache to NUMBA_CACHE_DIR"


def test_nowhere_to_cache_warns_and_names_numba_cache_dir(sandbox):
    home = _writable_dir(sandbox / "home")
    xdg = sandbox / "xdg-read-only"
    xdg.mkdir()
    xdg.chmod(0o555)
    home.chmod(0o555)
    result = _run(sandbox, XDG_CACHE_HOME=str(xdg))
    assert any("NUMBA_CACHE_DIR" in w for w in result["warnings"]), result["warnings"]
    assert not _cache_files(sandbox)


CACHE_STATS = """
import json
import numba
import numpy as np
import glulib
from glulib import kernels
glulib.glu(np.ones(3), np.ones(3), "silu")
stats = [d.stats for d in vars(kernels).values() if isinstance(d, numba.core.registry.CPUDispatcher)]
print(json.dumps({"hits": sum(sum(s.cache_hits.values()) for s in stats),
                  "misses": sum(sum(s.cache_misses.values()) for s in stats)}))
"""


def test_a_change_to_an_inlined_file_recompiles_the_kernels(tmp_path):
    """Numba stamps a cached kernel with its own file only; glulib adds every Numba source."""
    shutil.copytree(ROOT / "glulib", tmp_path / "glulib", ignore=shutil.ignore_patterns("__pycache__"))

    def run():
        env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "NUMBA_DISABLE_JIT")}
        done = subprocess.run([sys.executable, "-c", CACHE_STATS], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=600, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])

    assert run()["misses"] > 0  # first run compiles
    cached = run()
    assert cached["hits"] > 0 and cached["misses"] == 0  # then loads from the cache
    with open(tmp_path / "glulib" / "_vecmath.py", "a") as f:
        f.write("\n# an edit to a file that kernels.py only inlines\n")
    assert run()["misses"] > 0  # stale: compiled again, not loaded
