"""The house's rules on imports, checked by the field's tools with the rules in pyproject.toml.

import-linter's contracts: glulib's modules import each other without cycles; a private module
is used only inside its own package; core.py imports nothing from the fast path or the public
wrappers; the JIT layer imports nothing from glulib; what computes never imports the panels or
the exercise checkers. ruff's SLF001 and PLC2701: no file of glulib, bench, tools, app or the
notebooks reads or imports another module's private name.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = ["glulib", "bench", "tools", "app", "notebooks"]


def _run(tool, *args, cwd=ROOT):
    """``tool`` (from this interpreter's environment) run in ``cwd`` with glulib from ``cwd``."""
    path = Path(sys.executable).parent / tool
    exe = str(path) if path.exists() else shutil.which(tool)
    assert exe, f"{tool} is not installed: `make install` installs it with the test extra"
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([exe, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_import_contracts_are_kept():
    proc = _run("lint-imports", "--no-cache")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_no_private_name_is_reached_from_outside_its_module():
    proc = _run("ruff", "check", "--no-cache", *CODE)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_both_tools_catch_a_broken_rule(tmp_path):
    """A copy of the course where core.py imports the fast path and a tool reads a private name."""
    shutil.copytree(ROOT / "glulib", tmp_path / "glulib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    core = tmp_path / "glulib" / "core.py"
    core.write_text(core.read_text() + "\nfrom .fast import kernels  # noqa: E402\n")
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "peek.py").write_text("from glulib.elementwise import _checked_run\n"
                                                "import glulib.jit\nglulib.jit._serialise\n")
    lint = _run("lint-imports", "--no-cache", cwd=tmp_path)
    assert lint.returncode != 0 and "core.py, the code learners read first" in lint.stdout
    assert "glulib.core -> glulib.fast.kernels" in lint.stdout
    ruff = _run("ruff", "check", "--no-cache", "--output-format", "concise", "tools", cwd=tmp_path)
    assert ruff.returncode != 0
    assert "import-private-name" in ruff.stdout and "private-member-access" in ruff.stdout, ruff.stdout
