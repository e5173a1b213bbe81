"""Fixtures for the browser tests: Debian's Chromium driven by playwright, a JupyterLab server
and a Voila server, each with its state in a temporary folder and always stopped.

`make browser-deps` installs Chromium (as root); without it these tests are skipped with the
reason shown by `pytest -ra`.
"""

import os
import shutil

import pytest

from glu_browser import CHROMIUM, CHROMIUM_ARGS, ROOT, Server, Watcher, course_copy

SCREENSHOTS = ROOT / "screenshots"
PAGE_TIMEOUT_MS = 60_000  # any single browser action; the slow parts have their own bounds


@pytest.fixture(scope="session")
def browser():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"no Chromium at {CHROMIUM}: run `make browser-deps` (as root) or set CHROMIUM=")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=120_000)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def course_root(tmp_path_factory):
    """A throwaway copy of the course for the servers (autosave cannot touch the repository)."""
    return course_copy(tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="session")
def lab_server(browser, course_root, tmp_path_factory):
    with Server("lab", course_root, tmp_path_factory.mktemp("lab-state")) as server:
        yield server


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def new_page(browser, request):
    """Open a fresh browser context and page; returns (page, watcher). Closed after the test,
    with a full-page screenshot under screenshots/failed/ when the test failed."""
    contexts = []

    def make(width=1400, height=1000, known_external=()):
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        page = context.new_page()
        contexts.append((context, page))
        return page, Watcher(context, page, known_external)

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for context, page in contexts:
        try:
            if failed:
                (SCREENSHOTS / "failed").mkdir(parents=True, exist_ok=True)
                page.screenshot(path=SCREENSHOTS / "failed" / f"{request.node.name}.png", timeout=10_000)
        except Exception:  # the page may be gone; the failure itself is already reported
            pass
        finally:
            context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def voila_server(browser, course_root, tmp_path_factory):
    """`make app`'s Voila page, served from the throwaway copy of the course."""
    app = course_root / "app" / "pump_control_room.ipynb"
    if not app.exists():
        pytest.fail("app/pump_control_room.ipynb is missing")
    with Server("voila", course_root, tmp_path_factory.mktemp("voila-state"), notebook=app) as server:
        yield server
