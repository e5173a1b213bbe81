"""What a learner sees while installing and building: the kernels' compile step and `make site`
say what they are doing and how much is left, the editable install prints no setuptools banner,
and `make help` says that `make experiment` is long and what it replaces."""

import io
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "docs"))


def test_the_compile_step_prints_each_kernel_as_it_starts_and_how_many_there_are():
    import numba
    from numba.core import event

    from warm_numba_cache import Progress

    @numba.njit
    def _first(x):
        return x + 1

    @numba.njit
    def _second(x):
        return x * 2

    @numba.njit
    def _never(x):
        return x

    found = {"glulib.demo._first": _first, "glulib.demo._second": _second, "glulib.demo._never": _never}
    out = io.StringIO()
    progress = Progress(found, stream=out)
    event.register("numba:compile", progress)
    try:
        _first(1)
        _first(2.0)  # a second signature of the same kernel: no second line
        _second(3)
    finally:
        event.unregister("numba:compile", progress)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert "compiling kernel  1 of at most 3: glulib.demo._first" in lines[0]
    assert "compiling kernel  2 of at most 3: glulib.demo._second" in lines[1]


def test_make_site_says_which_notebook_it_reads_and_how_many_are_left(capsys):
    import glu_progress

    app = types.SimpleNamespace()
    docs = ["docs/index", "notebooks/00_typhoon_pump", "notebooks/07_gate_microscope", "docs/references"]
    glu_progress.notebooks_to_read(app, None, docs)
    for d in docs:
        glu_progress.reading(app, d, [""])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("make site: 2 notebook(s) to read")
    assert lines[1] == "make site: notebook 1 of 2: notebooks/00_typhoon_pump.ipynb (1 left after it)"
    assert lines[2] == "make site: notebook 2 of 2: notebooks/07_gate_microscope.ipynb (0 left after it)"
    conf = (ROOT / "docs" / "conf.py").read_text()
    assert '"glu_progress"' in conf


@pytest.mark.slow
def test_the_editable_install_prints_no_setuptools_banner(tmp_path):
    """setuptools' editable build, as pip runs it, on a copy of the project: no "Editable
    installation" warning, and the wheel points at the project folder."""
    pytest.importorskip("setuptools", minversion="77")  # the build-system's floor (make install upgrades it)
    proj = tmp_path / "proj"
    proj.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "LICENSE-CONTENT.md"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, proj / name)
    shutil.copytree(ROOT / "glulib", proj / "glulib", ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
    out = tmp_path / "wheel"
    out.mkdir()
    code = ("import warnings; warnings.simplefilter('always');"
            f"from setuptools import build_meta; print(build_meta.build_editable({str(out)!r}))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=proj, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert "Editable installation" not in log and "*****" not in log, log[-3000:]
    import zipfile

    wheel = out / proc.stdout.strip().splitlines()[-1]
    with zipfile.ZipFile(wheel) as z:
        pth = [z.read(n).decode() for n in z.namelist() if n.endswith(".pth")]
    assert pth and str(proj) in pth[0], pth


def test_make_help_says_experiment_is_long_and_what_it_replaces():
    if shutil.which("make") is None:
        pytest.skip("no make")
    proc = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    line = next(l for l in text.splitlines() if l.strip().startswith("make experiment "))
    assert "LONG" in line and "data/results/" in line and "data/models/" in line
    assert "min on" in text and '--estimate' in text  # the measured times of the committed results
