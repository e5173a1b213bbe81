"""`make app`: the pump control room as a stand-alone Voila page, driven as a learner would."""

import pytest

from glu_browser import (ROOT, STARTUP_TIMEOUT_MS, exercise_pump_panel, output_problems,
                         wait_widgets_rendered)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

def test_pump_app_shows_the_panel_and_no_code(voila_server, new_page, screenshots):
    page, watcher = new_page()  # every request outside 127.0.0.1 is a failure (the app works offline)
    page.goto(voila_server.url, wait_until="domcontentloaded", timeout=STARTUP_TIMEOUT_MS)
    page.locator(".glu-output").first.wait_for(state="visible", timeout=STARTUP_TIMEOUT_MS)
    wait_widgets_rendered(page)
    page.screenshot(path=screenshots / "app-pump_control_room.png", full_page=True)

    code = page.locator(".jp-CodeCell .jp-InputArea, .jp-InputArea-editor, .cm-editor, .CodeMirror,"
                        " .jp-CodeCell .highlight")
    assert code.count() == 0, f"the app shows code: {code.first.inner_text()[:200]!r}"
    assert "pump_panel" not in page.locator("body").inner_text()

    icons = page.evaluate("""() => { const i = document.querySelector('.glu-reset i.fa, .glu-reset .fa');
        return i ? getComputedStyle(i, '::before').fontFamily : null; }""")
    assert icons and "Font Awesome" in icons, f"the reset button's icon has no Font Awesome font: {icons!r}"
    exercise_pump_panel(page, screenshots, label="app")
    problems = output_problems(page) + watcher.problems()
    assert not problems, "pump app in Voila:\n" + "\n".join(problems)


def test_app_notebook_is_the_panel_alone_and_stored_clean():
    import nbformat

    nb = nbformat.read(ROOT / "app" / "pump_control_room.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) == 1 and "pump_panel()" in code[0].source, "the app shows the pump panel and nothing else"
    assert not code[0].outputs and code[0].execution_count is None, "store the app without outputs"
