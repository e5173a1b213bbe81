"""Fixtures for the browser tests: Debian's Chromium driven by playwright, a JupyterLab server
and a Voila server, each with its state in a temporary folder and always stopped.

`make browser-deps` installs Chromium (as root); without it these tests are skipped with the
reason shown by `pytest -ra`.
"""

import os
import shutil
import time

import pytest

from glu_browser import CHROMIUM, CHROMIUM_ARGS, ROOT, Server, Watcher, course_copy

SCREENSHOTS = ROOT / "screenshots"
PAGE_TIMEOUT_MS = 60_000  # any single browser action; the slow parts have their own bounds


class Chromium:
    """The session's Chromium, launched again when it has died.

    Under heavy load Chromium may close in the middle of a test (killed for memory, or
    crashed): playwright then raises TargetClosedError. That test fails with the reason
    written beside its traceback (``pytest_runtest_makereport``), and the next test's
    ``new_context`` finds the browser disconnected and launches a fresh one, so one death
    does not fail every test after it.
    """

    def __init__(self, playwright):
        self.playwright = playwright
        self.chromium = None
        self.launches = 0
        self.deaths = []  # (time, how) of every disconnection this session did not ask for

    def current(self):
        """The running browser; a new one when there is none or it has disconnected."""
        if self.chromium is None or not self.chromium.is_connected():
            self.chromium = self.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                            timeout=120_000)
            self.launches += 1
            self.chromium.on("disconnected", self._on_disconnected)
        return self.chromium

    def _on_disconnected(self, chromium):
        if not getattr(self, "_closing", False):
            self.deaths.append((time.strftime("%H:%M:%S"), f"Chromium (launch {self.launches}) disconnected"))

    def new_context(self, **kwargs):
        return self.current().new_context(**kwargs)

    def close(self):
        self._closing = True
        if self.chromium is not None and self.chromium.is_connected():
            self.chromium.close()


def browser_death(exc_type, exc_value, browser):
    """Words for a test that failed because Chromium closed under it, else None."""
    names = {cls.__name__ for cls in getattr(exc_type, "__mro__", ())}
    text = str(exc_value)
    closed = "TargetClosedError" in names or ("Error" in names and "has been closed" in text)
    if not closed:
        return None
    died = "; ".join(f"{how} at {when}" for when, how in browser.deaths) if browser is not None else ""
    return ("Chromium closed during this test (playwright: " + text.splitlines()[0][:200] + "). "
            + (f"What the session saw: {died}. " if died else "")
            + "This is the browser dying (killed for memory or crashed, most often under heavy load), "
            "not a wrong page: the next test launches a fresh Chromium.")


_SESSION_BROWSER = []  # the session's Chromium, for the report hook


@pytest.fixture(scope="session")
def browser():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"no Chromium at {CHROMIUM}: run `make browser-deps` (as root) or set CHROMIUM=")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = Chromium(pw)
        chromium.current()
        _SESSION_BROWSER.append(chromium)
        try:
            yield chromium
        finally:
            _SESSION_BROWSER.remove(chromium)
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
    if report.failed and call.excinfo is not None:
        why = browser_death(call.excinfo.type, call.excinfo.value,
                            _SESSION_BROWSER[-1] if _SESSION_BROWSER else None)
        if why:
            if hasattr(report.longrepr, "addsection"):
                report.longrepr.addsection("Chromium closed", why)
            else:
                report.sections.append(("Chromium closed", why))


@pytest.fixture(scope="session")
def voila_server(browser, course_root, tmp_path_factory):
    """`make app`'s Voila page, served from the throwaway copy of the course."""
    app = course_root / "app" / "pump_control_room.ipynb"
    if not app.exists():
        pytest.fail("app/pump_control_room.ipynb is missing")
    with Server("voila", course_root, tmp_path_factory.mktemp("voila-state"), notebook=app) as server:
        yield server
