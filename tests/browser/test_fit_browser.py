"""Panels fit the screens they are used on: at 1366x768 (a laptop) in JupyterLab, and at
1280x720 (a projector) and 1366x768 in the Voila app, the control a learner drags and the
figure it moves are both inside the viewport at once, with the panel scrolled to its top."""

import pytest

from glu_browser import (STARTUP_TIMEOUT_MS, PumpPanel, open_notebook, run_all, wait_figures_drawn,
                         wait_for, wait_widgets_rendered)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAPTOP = (1366, 768)
PROJECTOR = (1280, 720)
CANVAS = ".jupyter-matplotlib-canvas-div, .jupyter-matplotlib-figure"


def visible_area(page):
    """The rectangle a learner sees the page's content in: the viewport, less JupyterLab's menus,
    toolbars and status bar when the notebook's scrolling area is smaller."""
    size = page.viewport_size
    area = {"top": 0, "left": 0, "bottom": size["height"], "right": size["width"]}
    box = page.locator(".jp-NotebookPanel .jp-WindowedPanel-outer, .jp-NotebookPanel .jp-Notebook").first
    if box.count():
        b = box.bounding_box()
        area = {"top": max(0, b["y"]), "left": max(0, b["x"]),
                "bottom": min(size["height"], b["y"] + b["height"]),
                "right": min(size["width"], b["x"] + b["width"])}
    return area


def outside(page, element, name):
    """Why ``element`` is not wholly in the visible area (empty when it is)."""
    b = element.bounding_box()
    if b is None:
        return [f"{name} is not displayed"]
    a = visible_area(page)
    bad = []
    if b["y"] < a["top"] - 1 or b["y"] + b["height"] > a["bottom"] + 1:
        bad.append(f"{name} spans y {b['y']:.0f}..{b['y'] + b['height']:.0f}, the screen shows "
                   f"{a['top']:.0f}..{a['bottom']:.0f}")
    if b["x"] < a["left"] - 1 or b["x"] + b["width"] > a["right"] + 1:
        bad.append(f"{name} spans x {b['x']:.0f}..{b['x'] + b['width']:.0f}, the screen shows "
                   f"{a['left']:.0f}..{a['right']:.0f}")
    return bad


def scroll_to_top_of(scope):
    scope.evaluate("e => e.scrollIntoView({block: 'start', inline: 'nearest'})")
    scope.page.wait_for_timeout(300)


def assert_fits(page, scope, control, canvas, what, shot):
    scroll_to_top_of(scope)
    problems = outside(page, control, "the dragged control") + outside(page, canvas, "the figure's canvas")
    page.screenshot(path=shot)
    assert not problems, f"{what} at {page.viewport_size}: " + "; ".join(problems)


def _pump_fits(page, what, shot):
    panel = PumpPanel(page)
    panel.wait_consistent()
    canvas = panel.scope.locator(CANVAS).first
    wait_figures_drawn(panel.scope)
    assert_fits(page, panel.scope, panel.el("gate_tide").locator(".noUi-base").first, canvas, what, shot)
    # the learner drags: the figure moves while both stay on screen
    before = panel.readouts()["gate_input"]
    panel.drag("gate_tide")
    wait_for(lambda: panel.readouts()["gate_input"] != before, 60, "the drag to move the gate input")
    assert not outside(page, canvas, "the figure's canvas"), "the drag scrolled the figure away"


def test_pump_panel_fits_a_laptop_in_jupyterlab_and_shows_its_figure_once(lab_server, new_page, screenshots):
    page, watcher = new_page(*LAPTOP)
    try:
        open_notebook(page, lab_server, "notebooks/00_typhoon_pump.ipynb")
        run_all(page)
        wait_widgets_rendered(page)
        _pump_fits(page, "pump panel in JupyterLab", screenshots / "fit-lab-pump-1366x768.png")
        cell = page.locator(".jp-CodeCell", has=page.locator(".glu-output")).first
        images = cell.locator('.jp-OutputArea-output[data-mime-type^="image/"]').count()
        assert images == 0, f"the pump panel's cell shows its figure {images} more time(s) as an image"
        assert not watcher.problems(), "\n".join(watcher.problems())
    finally:
        lab_server.shutdown_kernels()


@pytest.mark.parametrize("size", [PROJECTOR, LAPTOP], ids=["1280x720", "1366x768"])
def test_pump_app_fits_a_projector_and_a_laptop(voila_server, new_page, screenshots, size):
    page, watcher = new_page(*size)
    page.goto(voila_server.url, wait_until="domcontentloaded", timeout=STARTUP_TIMEOUT_MS)
    page.locator(".glu-output").first.wait_for(state="visible", timeout=STARTUP_TIMEOUT_MS)
    wait_widgets_rendered(page)
    _pump_fits(page, "the Voila app", screenshots / f"fit-app-{size[0]}x{size[1]}.png")
    assert not watcher.problems(), "\n".join(watcher.problems())


def test_microscope_panel_fits_a_laptop_in_jupyterlab(lab_server, new_page, screenshots):
    page, watcher = new_page(*LAPTOP)
    try:
        open_notebook(page, lab_server, "notebooks/07_gate_microscope.ipynb")
        run_all(page)
        wait_widgets_rendered(page)
        scope = page.locator(".jp-OutputArea-output", has=page.locator(".glu-microscope-next")).first
        wait_figures_drawn(scope)
        unit = scope.locator(".glu-microscope-unit_number input, .glu-microscope-unit_number").first
        assert_fits(page, scope, unit, scope.locator(CANVAS).first, "microscope panel in JupyterLab",
                    screenshots / "fit-lab-microscope-1366x768.png")
        text = scope.locator(".glu-microscope-text").first
        assert not outside(page, text, "the coloured text")[1:], "the coloured text is cut at the right"
        assert not watcher.problems(), "\n".join(watcher.problems())
    finally:
        lab_server.shutdown_kernels()
