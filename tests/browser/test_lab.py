"""The course in JupyterLab, in headless Chromium: every notebook runs clean from the browser,
and the pump panel of notebook 00 answers a learner's mouse and keyboard with glulib's numbers."""

import json
from pathlib import Path

import pytest

from glu_browser import (ROOT, exercise_pump_panel, first_panel, open_notebook, output_problems,
                         run_all, wait_figures_drawn, wait_widgets_rendered)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PUMP = ROOT / "notebooks" / "00_typhoon_pump.ipynb"


@pytest.fixture
def lab_page(lab_server, new_page):
    """A fresh page on the session's JupyterLab; its kernels are shut down afterwards."""
    page, watcher = new_page()
    try:
        yield page, watcher
    finally:
        lab_server.shutdown_kernels()


def _code_cells(path):
    return sum(c["cell_type"] == "code" for c in json.loads(path.read_text())["cells"])


def _run_in_lab(page, server, path):
    """Open the server's copy of notebook ``path``, Run All, check every code cell ran."""
    served = server.root / "notebooks" / path.name  # the copy taken at session start
    open_notebook(page, server, f"notebooks/{path.name}")
    ran = run_all(page)
    assert ran == _code_cells(served), (f"{path.name}: {ran} of {_code_cells(served)} code cells ran:\n"
                                        + "\n".join(output_problems(page)))
    wait_widgets_rendered(page)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_clean_in_jupyterlab(path, lab_server, lab_page, screenshots):
    page, watcher = lab_page
    _run_in_lab(page, lab_server, path)
    panel = first_panel(page)
    panel.scroll_into_view_if_needed()
    wait_figures_drawn(panel)
    panel.screenshot(path=screenshots / f"{path.stem}.png", animations="disabled")
    problems = output_problems(page) + watcher.problems()
    assert not problems, f"{path.name} in JupyterLab:\n" + "\n".join(problems)


def test_pump_panel_answers_a_learner(lab_server, lab_page, screenshots):
    assert PUMP.exists(), f"{PUMP.relative_to(ROOT)} is missing"
    page, watcher = lab_page
    _run_in_lab(page, lab_server, PUMP)
    exercise_pump_panel(page, screenshots, label="lab")
    problems = output_problems(page) + watcher.problems()
    assert not problems, "pump panel in JupyterLab:\n" + "\n".join(problems)


def test_the_harness_sees_what_goes_wrong(lab_server, lab_page, course_root):
    """A notebook with a widget whose frontend is missing, a warning and an error: every one of
    them is reported, and so is an error in the page's console (the checks above can fail)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import ipywidgets, traitlets\n"
            "class Orphan(ipywidgets.DOMWidget):\n"
            "    _view_module = traitlets.Unicode('glu-no-such-frontend').tag(sync=True)\n"
            "    _view_name = traitlets.Unicode('OrphanView').tag(sync=True)\n"
            "Orphan()"),
        nbformat.v4.new_code_cell("import warnings\nwarnings.warn('the harness must see this')"),
        nbformat.v4.new_code_cell("raise ValueError('the harness must see this too')"),
        nbformat.v4.new_code_cell("print('never runs')"),
    ]
    folder = course_root / "harness_check"
    folder.mkdir(exist_ok=True)
    nbformat.write(nb, folder / "broken.ipynb")
    page, watcher = lab_page
    open_notebook(page, lab_server, "harness_check/broken.ipynb")
    assert run_all(page) == 3
    wait_widgets_rendered(page)
    problems = "\n".join(output_problems(page))
    assert "Error displaying widget" in problems
    assert "UserWarning: the harness must see this" in problems
    assert "ValueError: the harness must see this too" in problems
    page.evaluate("console.error('glu harness check')")
    assert any("glu harness check" in m for m in watcher.console_errors)


def test_server_state_is_temporary_and_overrides_apply(lab_server):
    """overrides.json reaches JupyterLab (no news pop-up, no update check, no autosave into the
    copy, every cell attached), and the server keeps its state out of the user's home."""
    overrides = json.loads((Path(__file__).parent / "overrides.json").read_text())
    for plugin, wanted in overrides.items():
        schema = lab_server.api("GET", f"/lab/api/settings/{plugin}")["schema"]["properties"]
        for key, value in wanted.items():
            assert schema[key].get("default") == value, f"{plugin}:{key} is {schema[key].get('default')!r}"
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR"):
        assert Path(lab_server.env[var]).is_relative_to(lab_server.state), var
