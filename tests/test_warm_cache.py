"""A Binder image (postBuild) and `make install` warm Numba's cache: in a fresh clone, after the
warm step, a new process's first call of every kernel loads it from the cache, compiling nothing."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WARM = "tools/warm_numba_cache.py"
# The kernels a notebook reaches through glulib's public functions (and notebook 08's copy)
EXPECTED = {
    "glulib.core.forward_loop", "glulib.core.backward_loop",
    "glulib.elementwise._forward_parallel", "glulib.elementwise._backward_parallel",
    "glulib.elementwise._activate_loop", "glulib.elementwise._activate_grad_loop",
    "glulib.elementwise._activate_parallel", "glulib.elementwise._activate_grad_parallel",
    "glulib.fast.kernels._forward_serial", "glulib.fast.kernels._backward_serial",
    "glulib.fast.kernels._forward_parallel", "glulib.fast.kernels._backward_parallel",
    "glulib.fast.kernels._activate_serial", "glulib.fast.kernels._activate_grad_serial",
    "glulib.fast.kernels._activate_parallel", "glulib.fast.kernels._activate_grad_parallel",
    "glulib.kernelstudy._parallel_copy",
}


def _warm(clone):
    """The warm step in ``clone`` with this interpreter, in a new process; its JSON report."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env["PYTHONPATH"] = str(clone)  # glulib from the clone, not from the editable install
    proc = subprocess.run([sys.executable, WARM, "--json"], cwd=clone, env=env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert Path(report["glulib"]).resolve().is_relative_to(clone.resolve()), report["glulib"]
    return report


@pytest.mark.slow
def test_after_the_warm_step_a_fresh_clone_compiles_nothing(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], check=True, timeout=300)
    assert not list((clone / "glulib").rglob("*.nbi")), "the clone came with a Numba cache"

    cold = _warm(clone)  # what postBuild and make install run
    assert EXPECTED <= cold["kernels"].keys(), sorted(EXPECTED - cold["kernels"].keys())
    compiled = {name: k["cache_misses"] for name, k in cold["kernels"].items()}
    assert all(compiled[name] == cold["kernels"][name]["signatures"] for name in EXPECTED), compiled
    assert list((clone / "glulib").rglob("*.nbi")), "the warm step wrote no cache files into the clone"

    warm = _warm(clone)  # a learner's new kernel: the first call of every kernel
    # the kernels load whole: the functions they call (compiled with them cold) are not needed
    assert EXPECTED <= warm["kernels"].keys() <= cold["kernels"].keys()
    for name, k in warm["kernels"].items():
        assert k["cache_misses"] == 0, f"{name} compiled again: {k}"
        assert k["cache_hits"] == k["signatures"] > 0, f"{name} did not load from the cache: {k}"
    assert warm["seconds"] < cold["seconds"], (warm["seconds"], cold["seconds"])


def test_postbuild_and_make_install_run_the_warm_step():
    post = (ROOT / "postBuild").read_text()
    install = post.index("pip install --no-deps -e .")
    assert post.index(f"python {WARM}") > install, "postBuild must warm the cache after installing glulib"
    make = (ROOT / "Makefile").read_text()
    assert re.search(r"^install: .*\$\(WARM\)", make, re.M), "make install (and so make lab) must warm the cache"
    assert re.search(rf"^\$\(WARM\):.*\n\t\$\(PY\) {re.escape(WARM)}", make, re.M)
    assert re.search(r"^lab: install\b", make, re.M)
