"""Open anywhere: the Colab set-up cell of every notebook does nothing outside Colab, and on
Colab (faked here: the tests cannot reach it) fetches the course and installs it without
replacing Colab's NumPy, matplotlib and widgets, then turns on the custom widget manager.
The README and the site offer Colab beside Binder."""

import json
import re
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
README = (ROOT / "README.md").read_text(encoding="utf-8")

import colab  # noqa: E402
import colab_cell  # noqa: E402


def _cells(path):
    return json.loads(path.read_text())["cells"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_the_first_code_cell_is_the_colab_cell(path):
    code = [c for c in _cells(path) if c["cell_type"] == "code"]
    first = code[0]
    assert "colab-setup" in first["metadata"].get("tags", []), f"{path.name}: run tools/colab_cell.py"
    assert "".join(first["source"]) == colab_cell.source(), f"{path.name}: run tools/colab_cell.py"
    assert "remove-cell" in first["metadata"]["tags"] and first["metadata"]["slideshow"]["slide_type"] == "skip"
    assert sum("colab-setup" in c["metadata"].get("tags", []) for c in code) == 1


def _run_cell(monkeypatch, on_colab):
    """Run the cell's code as a kernel would, with subprocess.run and runpy.run_path recorded."""
    import runpy
    import subprocess

    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(("run", a, k)))
    monkeypatch.setattr(runpy, "run_path", lambda *a, **k: calls.append(("run_path", a, k)))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(compile(colab_cell.source(), "<colab cell>", "exec"), {})
    return calls


def test_outside_colab_the_cell_does_nothing(monkeypatch):
    assert _run_cell(monkeypatch, on_colab=False) == []


def test_on_colab_the_cell_clones_the_readme_repository_and_runs_the_setup(monkeypatch):
    org, repo = colab_cell.repository()
    calls = _run_cell(monkeypatch, on_colab=True)
    assert [c[0] for c in calls] == ["run", "run_path"]
    clone = calls[0][1][0]
    assert f"git clone --quiet --depth 1 https://github.com/{org}/{repo} /content/{repo}" in clone
    assert clone.startswith(f"test -d /content/{repo} ||")  # a second run does not clone again
    assert calls[1][1][0] == f"/content/{repo}/tools/colab.py" and calls[1][2] == {"run_name": "__main__"}


# what Colab has (versions of late 2025), less what the course adds
COLAB = {"numpy": "2.0.2", "matplotlib": "3.10.0", "ipywidgets": "7.7.1", "ipykernel": "6.17.1",
         "numba": "0.60.0", "traitlets": "5.7.1", "ipython": "7.34.0", "joblib": "1.5.2",
         "threadpoolctl": "3.6.0", "scipy": "1.16.1", "ml-dtypes": "0.5.3", "jinja2": "3.1.6",
         "tokenizers": "0.21.4"}


def test_the_plan_installs_only_what_colab_lacks_and_pins_colabs_own():
    missing, pins = colab.plan(colab.dependencies(), COLAB)
    names = {colab.name_of(r) for r in missing}
    assert names == {"jupyterlab-widgets", "ipympl", "gguf"}, missing  # jupyterlab: a server, not needed there
    for kept in ("numpy", "matplotlib", "ipywidgets"):
        assert f"{kept}=={COLAB[kept]}" in pins  # pip may not replace them
    assert not names & {"numpy", "matplotlib", "ipywidgets", "numba", "jupyterlab"}


def test_on_colab_the_setup_installs_glulib_without_deps_and_turns_on_the_widget_manager(monkeypatch, tmp_path):
    course = tmp_path / "glu-course"
    (course / "notebooks").mkdir(parents=True)
    (course / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    enabled = []
    google = types.ModuleType("google")
    output = types.ModuleType("google.colab.output")
    output.enable_custom_widget_manager = lambda: enabled.append(True)
    colab_mod = types.ModuleType("google.colab")
    colab_mod.output = output
    google.colab = colab_mod
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab_mod)
    monkeypatch.setitem(sys.modules, "google.colab.output", output)
    monkeypatch.setattr(colab, "installed_now", lambda: dict(COLAB))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    ran = []
    colab.main(run=lambda cmd, check: ran.append(cmd), course=course)
    missing, _ = colab.plan(colab.dependencies(), COLAB)
    assert ran[0][-len(missing):] == missing and "-c" in ran[0]
    assert {colab.name_of(r) for r in missing} == {"jupyterlab-widgets", "ipympl", "gguf"}
    assert ran[1][-3:] == ["--no-deps", "-e", str(course)]
    assert Path.cwd() == course / "notebooks" and str(course) in sys.path
    assert enabled == [True]


def test_readme_has_a_colab_badge_for_every_notebook_and_names_the_live_ones():
    org, repo = colab_cell.repository()
    rows = 0
    for p in NOTEBOOKS:  # every notebook the map lists (tests/test_readme.py: that is every notebook)
        url = f"https://colab.research.google.com/github/{org}/{repo}/blob/HEAD/notebooks/{p.name}"
        row = next((line for line in README.splitlines() if line.startswith(f"| {p.name[:2]} | [")), None)
        if row is not None:
            rows += 1
            assert url in row, f"README's course map has no Colab badge for {p.name}"
    assert rows >= 10
    said = re.search(r"The live figures are in notebooks ([\d, and]+)", README)
    assert said, "README does not say which notebooks have live figures"
    live = {f"{n}" for n in re.findall(r"\d\d", said.group(1))}
    widgets = {p.name[:2] for p in NOTEBOOKS if "%matplotlib widget" in p.read_text()}
    assert live == widgets


def test_the_site_offers_colab_beside_binder():
    conf = (ROOT / "docs" / "conf.py").read_text()
    assert '"colab_url": "https://colab.research.google.com"' in conf and '"binderhub_url"' in conf
