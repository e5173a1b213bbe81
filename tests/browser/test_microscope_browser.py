"""Notebook 07's gate microscope in JupyterLab, in headless Chromium: the learner's clicks on
"next unit" and a change of FFN redraw the coloured text and the readouts."""

import re

import pytest

from glu_browser import ROOT, open_notebook, output_problems, run_all, wait_for, wait_widgets_rendered

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _notebook():
    found = sorted((ROOT / "notebooks").glob("*gate_microscope.ipynb"))
    assert found, "notebooks/NN_gate_microscope.ipynb is missing"
    return found[0]


def test_microscope_steps_through_units_in_the_browser(lab_server, new_page, screenshots):
    path = _notebook()
    page, watcher = new_page()
    try:
        open_notebook(page, lab_server, f"notebooks/{path.name}")
        run_all(page)
        wait_widgets_rendered(page)
        scope = page.locator(".jp-OutputArea-output", has=page.locator(".glu-microscope-next")).first
        scope.scroll_into_view_if_needed()
        unit = scope.locator(".glu-microscope-unit .widget-html-content").first
        text = scope.locator(".glu-microscope-text .widget-html-content").first

        def shown_unit():
            m = re.search(r"unit (\d+) of (\d+)", unit.inner_text())
            return int(m.group(1)) if m else None

        wait_for(lambda: shown_unit() is not None, 30, "the unit readout")
        start, before = shown_unit(), text.inner_html()
        scope.locator(".glu-microscope-next button, button.glu-microscope-next").first.click()
        wait_for(lambda: shown_unit() == start + 1, 30, "the next unit")
        wait_for(lambda: text.inner_html() != before, 30, "the coloured text to change")
        assert "value u" in text.inner_text()  # SwiGLU: opening, value and product
        scope.locator(".glu-microscope-variant select").first.select_option(label="ReLU")
        wait_for(lambda: "ReLU" in unit.inner_text(), 30, "the ReLU model")
        wait_for(lambda: "value u" not in text.inner_text(), 30, "the ungated view (no value)")
        scope.screenshot(path=screenshots / "microscope.png", animations="disabled")
        problems = output_problems(page) + watcher.problems()
        assert not problems, "microscope in JupyterLab:\n" + "\n".join(problems)
    finally:
        lab_server.shutdown_kernels()
