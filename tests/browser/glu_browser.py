"""Servers and a headless browser for the end-to-end tests, bounded in time and always stopped.

``Server`` starts JupyterLab or Voila from the project's virtual environment on a free port of
127.0.0.1, with every piece of server state (JUPYTER_*, IPYTHONDIR, MPLCONFIGDIR) in a
temporary folder. ``Watcher`` records what a learner would see go wrong on a page: console
errors and uncaught exceptions; it also blocks and records any request that would leave
127.0.0.1. The rest drives JupyterLab (open, Run All, read outputs) and the pump panel.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BIN = Path(sys.executable).parent  # the project's .venv/bin when pytest runs from it
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--disable-breakpad",
    "--disable-crash-reporter",
]
START_TIMEOUT_S = 180  # a server that is not answering by then has failed
STOP_TIMEOUT_S = 15  # SIGTERM, then SIGKILL for the whole process group
LOOPBACK = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/")
# Console messages that are not errors a learner can see. Each entry says why it is harmless.
BENIGN_CONSOLE = [
    # Chromium reports every aborted non-loopback request; those are recorded separately
    # (Watcher.external) and fail the test on their own.
    re.compile(r"net::ERR_BLOCKED_BY_CLIENT"),
]


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(state):
    """Environment for a Jupyter process whose state all lives under ``state``; writes the
    server config (no news feed, no update check) and overrides.json there too."""
    state = Path(state)
    env = dict(os.environ)
    for var, sub in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython"),
                     ("MPLCONFIGDIR", "mpl"), ("JUPYTERLAB_SETTINGS_DIR", "lab-user-settings"),
                     ("JUPYTERLAB_WORKSPACES_DIR", "lab-workspaces")]:
        (state / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(state / sub)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    # Nothing phones home: no news feed, no update check (the frontend side is overrides.json).
    (state / "config" / "jupyter_server_config.json").write_text(json.dumps({
        "LabApp": {"news_url": None,
                   "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"},
    }))
    settings = state / "lab-app-settings"
    settings.mkdir(exist_ok=True)
    shutil.copy(HERE / "overrides.json", settings / "overrides.json")
    return env


def course_copy(dest):
    """A copy of the notebooks and the app to serve, so that nothing the browser does
    (autosave, checkpoints) touches the repository; data/ is linked, read only by design."""
    dest = Path(dest)
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    for name in ("notebooks", "app"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    if (ROOT / "data").is_dir():
        (dest / "data").symlink_to(ROOT / "data", target_is_directory=True)
    return dest


class Server:
    """A Jupyter server process; use as a context manager: it is always stopped on exit."""

    def __init__(self, kind, root, state, notebook=None, token="glu-course-test"):
        self.kind, self.root, self.state = kind, Path(root), Path(state)
        self.port = free_port()
        self.token = token
        self.env = server_env(self.state)
        self.log_path = self.state / f"{kind}.log"
        root_flag = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
        if kind == "lab":
            self.cmd = [str(BIN / "jupyter-lab"), "--ServerApp.ip=127.0.0.1",
                        f"--ServerApp.port={self.port}", f"--ServerApp.root_dir={self.root}",
                        f"--IdentityProvider.token={token}",
                        f"--LabApp.app_settings_dir={self.state / 'lab-app-settings'}",
                        "--ServerApp.terminals_enabled=False",
                        "--LabApp.extension_manager=readonly",
                        "--ServerApp.port_retries=0", "--no-browser", *root_flag]
            self.url = f"http://127.0.0.1:{self.port}"
        elif kind == "voila":
            # as `make app` runs it: the course's template "glu", found through JUPYTER_PATH
            self.env["JUPYTER_PATH"] = str(self.root / "app" / "share" / "jupyter")
            self.cmd = [str(BIN / "voila"), str(notebook), "--Voila.ip=127.0.0.1", "--template=glu",
                        f"--port={self.port}", "--no-browser", "--Voila.port_retries=0",
                        "--VoilaConfiguration.show_tracebacks=True",
                        f"--Voila.root_dir={self.root}"]
            self.token = ""
            self.url = f"http://127.0.0.1:{self.port}"
        else:
            raise ValueError(f"Server: kind must be 'lab' or 'voila', got {kind!r}")
        self.proc = None

    def __enter__(self):
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.cmd, cwd=self.root, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def log_tail(self, n=4000):
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def _wait_until_up(self):
        # Voila renders (and runs) the notebook on every GET of "/": probe a static file instead
        probe = (f"{self.url}/api/status?token={self.token}" if self.kind == "lab"
                 else f"{self.url}/voila/static/voila.js")
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with code {self.proc.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                with urllib.request.urlopen(probe, timeout=5) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{self.kind} did not answer on {probe} within {START_TIMEOUT_S} s:\n"
                           f"{self.log_tail()}")

    def api(self, method, path, timeout=20):
        """Call the server's REST API (JupyterLab only); returns the decoded JSON or None."""
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self):
        """Stop every kernel the browser started (frees the two shared cores between tests)."""
        try:
            for kernel in self.api("GET", "/api/kernels"):
                self.api("DELETE", f"/api/kernels/{kernel['id']}")
        except (urllib.error.URLError, OSError):
            pass

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if getattr(self, "log", None) and not self.log.closed:
            self.log.close()


class Watcher:
    """Everything that goes wrong on a page, for a test to assert empty."""

    def __init__(self, context, page, known_external=()):
        """``known_external``: regexes of outside URLs a page is known to ask for and does
        without; they are blocked like every other, but not reported."""
        self.console_errors, self.page_errors, self.external = [], [], []
        self.known_external = [re.compile(p) for p in known_external]
        context.route("**/*", self._route)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("crash", lambda _page: self.page_errors.append("the page's renderer crashed (out of memory?)"))

    def _route(self, route):
        url = route.request.url
        if LOOPBACK.match(url) or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            if not any(p.search(url) for p in self.known_external):
                self.external.append(url)
            route.abort("blockedbyclient")

    def _console(self, msg):
        if msg.type == "error" and not any(p.search(msg.text) for p in BENIGN_CONSOLE):
            loc = msg.location or {}
            self.console_errors.append(f"{msg.text} ({loc.get('url', '')}:{loc.get('lineNumber', '')})")

    def problems(self):
        out = [f"console error: {m}" for m in self.console_errors]
        out += [f"uncaught exception: {m}" for m in self.page_errors]
        out += [f"request outside 127.0.0.1 (blocked): {u}" for u in self.external]
        return out


# ---------------------------------------------------------------- JupyterLab, as a learner uses it
KERNEL_STATUS = '#jp-main-statusbar span.jp-StatusBar-TextItem[title^="Change kernel"]'
STARTUP_TIMEOUT_MS = 180_000  # page load plus kernel start on a busy 2-core machine
RUN_ALL_TIMEOUT_S = 240  # every notebook aims at < 20 s of kernel time; this is the hang guard


def wait_kernel_idle(page, timeout_ms=STARTUP_TIMEOUT_MS):
    """Wait until the status bar says the kernel is idle (a Run All sent before is dropped)."""
    from playwright.sync_api import expect

    expect(page.locator(KERNEL_STATUS)).to_have_text(re.compile(r"\|\s*Idle\s*$"), timeout=timeout_ms)


def open_notebook(page, server, relpath):
    """Open ``relpath`` in a fresh JupyterLab workspace and wait for its kernel."""
    page.goto(f"{server.url}/lab/tree/{relpath}?reset&token={server.token}",
              wait_until="domcontentloaded", timeout=STARTUP_TIMEOUT_MS)
    page.locator(".jp-NotebookPanel .jp-Notebook").first.wait_for(timeout=STARTUP_TIMEOUT_MS)
    wait_kernel_idle(page)


def run_all(page, timeout_s=RUN_ALL_TIMEOUT_S):
    """Run > Run All Cells from the menu bar; wait until every code cell has run, or until
    the kernel is idle after a cell failed (Run All stops there). Returns the cells that ran."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    prompts = page.locator(".jp-Notebook .jp-CodeCell .jp-InputArea-prompt")
    status = page.locator(KERNEL_STATUS)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        texts = [t.strip() for t in prompts.all_text_contents()]  # windowing is off: all cells
        ran = sum(bool(re.fullmatch(r"\[\d+\]:", t)) for t in texts)
        idle = status.inner_text().rstrip().endswith("Idle")
        if idle and (ran == len(texts) or ("[*]:" not in texts and output_problems(page, errors_only=True))):
            return ran
        time.sleep(0.5)
    raise AssertionError(f"Run All did not finish in {timeout_s} s; prompts: {texts}; "
                         f"status: {status.inner_text()!r}; outputs: {output_problems(page)}")


def output_problems(page, errors_only=False):
    """Error or warning outputs (stderr: tracebacks and warnings), and widgets that failed."""
    problems = []
    for text in page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
                             ).all_text_contents():
        problems.append(f"stderr/error output: {text.strip()[:600]}")
    if not errors_only:
        for text in page.locator(".jp-OutputArea-output").all_text_contents():
            if "Error displaying widget" in text:
                problems.append(f"Error displaying widget: {text.strip()[:300]}")
        # ipywidgets 8 shows a widget whose view failed as this box ("Click to show javascript error")
        failed = page.locator(".jupyter-widgets-error-widget").count()
        if failed:
            problems.append(f"Error displaying widget: {failed} widget(s) failed to render")
        # ipywidgets shows a widget it cannot render as its plain-text repr, e.g. "VBox(children=..."
        for text in page.locator('.jp-OutputArea-output[data-mime-type="text/plain"]').all_text_contents():
            if re.match(r"^(VBox|HBox|Box|FloatSlider|Canvas|Output|Button)\(", text.strip()):
                problems.append(f"widget shown as text (frontend missing?): {text.strip()[:200]}")
    return problems


def first_panel(page):
    """The first interactive output (a widget) of the page; else its first figure; else its
    first output of any kind."""
    for selector in (".jp-OutputArea-output .jupyter-widgets, .jp-OutputArea-output .widget-box",
                     '.jp-OutputArea-output[data-mime-type^="image/"]', ".jp-OutputArea-output"):
        found = page.locator(selector)
        if found.count():
            return found.first
    raise AssertionError("the notebook shows no output at all")


# ---------------------------------------------------------------- the pump panel, as a learner uses it
FEATURES = ("rainfall", "tide", "wind")
STORY = {"severity": "4.60", "gate_input": "1.50", "gate": "0.82", "output": "3.76"}  # FACTS.md
UPDATE_TIMEOUT_S = 120  # a hang guard: a slider change comes back within a second or two on a quiet machine


class PumpPanel:
    """The pump panel on a page (JupyterLab or Voila), driven by mouse and keyboard.

    Every control and readout carries the CSS class ``glu-<key>``; ``self.scope`` is the
    output that holds the panel, so another panel on the page cannot be mistaken for it.
    """

    def __init__(self, page):
        self.page = page
        self.scope = page.locator(".jp-OutputArea-output", has=page.locator(".glu-output")).first

    def el(self, key):
        return self.scope.locator(f".glu-{key}").first

    def value(self, key):
        """A slider's value as the learner reads it next to the slider. (The handle's
        aria-valuenow is rounded to one decimal by noUiSlider, so it is not used.)"""
        return float(self.el(key).locator(".widget-readout").first.inner_text().replace("\u2212", "-"))

    def readout(self, key):
        """The number (with its two decimals) that readout ``key`` shows."""
        content = self.el(key).locator(".widget-html-content")
        text = (content.first if content.count() else self.el(key)).inner_text().replace("\u2212", "-")
        numbers = re.findall(r"[-+]?\d+\.\d\d\b", text)
        assert numbers, f"readout {key!r} shows no number with two decimals: {text!r}"
        return numbers[0]

    def readouts(self):
        return {key: self.readout(key) for key in STORY}

    @staticmethod
    def _labels():
        """glulib activation name -> the label the panel shows for it."""
        try:
            from glulib.panels.typhoon import ACTIVATION_LABELS
        except ImportError:  # a panel that shows the names themselves
            ACTIVATION_LABELS = {}
        import glulib

        return {name: ACTIVATION_LABELS.get(name, name) for name in glulib.ACTIVATIONS}

    def _label_of(self, name):
        return self._labels()[name]

    def _name_of(self, label):
        names = [n for n, lab in self._labels().items() if lab == label.strip()]
        assert len(names) == 1, f"activation label {label!r} names no glulib activation"
        return names[0]

    def activation(self):
        """The glulib name of the gate activation selected on the page."""
        box = self.el("activation")
        if box.locator("select").count():
            select = box.locator("select")
            return self._name_of(select.locator("option:checked").inner_text())
        return self._name_of(box.locator("button.mod-active").inner_text())

    def activation_options(self):
        box = self.el("activation")
        labels = (box.locator("option") if box.locator("select").count() else box.locator("button"))
        return [self._name_of(t) for t in labels.all_inner_texts()]

    def choose_activation(self, name):
        box = self.el("activation")
        label = self._label_of(name)
        if box.locator("select").count():
            box.locator("select").select_option(label=label)
        else:
            box.locator("button", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).click()

    def drag(self, key, fraction=0.25):
        """Drag the handle of slider ``key`` with the mouse by ``fraction`` of the track's
        width, towards the side with more room."""
        handle = self.el(key).locator(".noUi-handle").first
        handle.scroll_into_view_if_needed()
        box = handle.bounding_box()
        track = self.el(key).locator(".noUi-base").first.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        dx = fraction * track["width"] * (1 if x < track["x"] + track["width"] / 2 else -1)
        mouse = self.page.mouse
        mouse.move(x, y)
        mouse.down()
        for i in range(1, 11):  # in small moves, as a hand does
            mouse.move(x + dx * i / 10, y)
        mouse.up()

    def press(self, key, key_name, times=1):
        """Focus slider ``key``'s handle and press ``key_name`` on the keyboard."""
        handle = self.el(key).locator(".noUi-handle").first
        handle.focus()
        for _ in range(times):
            handle.press(key_name)

    def reset(self):
        self.el("reset").click()

    def canvas_png(self):
        """A screenshot of the panel's figure (its ipympl canvas)."""
        canvas = self.scope.locator(".jupyter-matplotlib-canvas-div, .jupyter-matplotlib-figure").first
        canvas.scroll_into_view_if_needed()
        return canvas.screenshot(animations="disabled")

    def expected(self):
        """The four readouts glulib computes for the sliders and activation on the page now."""
        import numpy as np

        import glulib

        x = np.array([self.value(f) for f in FEATURES])  # (3,)
        w_sev = np.array([self.value(f"severity_{f}") for f in FEATURES])  # (3,)
        w_gate = np.array([self.value(f"gate_{f}") for f in FEATURES])  # (3,)
        severity = np.array([w_sev @ x + self.value("severity_bias")])  # (1,)
        gate_input = np.array([w_gate @ x + self.value("gate_bias")])  # (1,)
        act, beta = self.activation(), self.value("beta")
        gate = glulib.activate(gate_input, act, beta=beta)  # (1,)
        output = glulib.glu(severity, gate_input, activation=act, beta=beta)  # (1,)
        return {"severity": severity[0], "gate_input": gate_input[0], "gate": gate[0],
                "output": output[0]}

    def mismatches(self):
        """Readouts that differ from glulib's value by more than their own rounding (0.005)."""
        shown, want = self.readouts(), self.expected()
        return {k: (shown[k], f"{want[k]:.4f}") for k in STORY
                if abs(float(shown[k]) - want[k]) > 0.005 + 1e-9}

    def wait_consistent(self, timeout_s=UPDATE_TIMEOUT_S):
        """Wait until every readout shows glulib's value for the current settings."""
        deadline = time.monotonic() + timeout_s
        while True:
            bad = self.mismatches()
            if not bad:
                return self.readouts()
            if time.monotonic() > deadline:
                raise AssertionError(f"readouts disagree with glulib after {timeout_s} s "
                                     f"(shown, expected): {bad}")
            time.sleep(0.2)


def png_pixels(png_bytes):
    import io

    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png_bytes)).convert("RGB"), dtype=np.int16)


def changed_fraction(before, after):
    """Fraction of pixels that differ between two screenshots of the same element."""
    a, b = png_pixels(before), png_pixels(after)
    if a.shape != b.shape:
        return 1.0
    return float((abs(a - b).sum(axis=2) > 30).mean())


def wait_for(predicate, timeout_s, what):
    """Poll ``predicate`` until it returns a true value; fail with ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except AssertionError as exc:  # readout not there yet
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what} (last: {last!r})")


def wait_widgets_rendered(page, timeout_s=180):
    """Wait until every widget output on the page has rendered (or shown its error)."""
    views = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.widget-view+json"]')

    def done():
        texts = views.evaluate_all(
            "els => els.map(e => e.querySelector('.jupyter-widgets, .lm-Widget') !== null"
            " || e.textContent.includes('Error displaying widget'))")
        return all(texts)

    wait_for(done, timeout_s, "every widget output to render")
    return views.count()


def wait_figures_drawn(scope, timeout_s=120):
    """Wait until every ipympl figure inside ``scope`` has painted something on its canvas.

    ipympl draws in the browser after the widget itself has rendered; a screenshot taken
    in between shows an empty frame. Each figure's first canvas must hold a non-white pixel.
    """
    figures = scope.locator(".jupyter-matplotlib-figure")
    painted = """els => els.map(fig => { const c = fig.querySelector('canvas');
        if (!c || !c.width || !c.height) return false;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < d.length; i += 4 * 37)
            if (d[i + 3] && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) return true;
        return false; })"""
    wait_for(lambda: all(figures.evaluate_all(painted)), timeout_s, "every figure to paint its canvas")


SLIDERS = (*FEATURES, *(f"severity_{f}" for f in (*FEATURES, "bias")),
           *(f"gate_{f}" for f in (*FEATURES, "bias")), "beta")
CANVAS_CHANGED = 0.0005  # fraction of the figure's pixels that must differ after a change


def exercise_pump_panel(page, shots=None, label="lab"):
    """What a learner does with the pump panel, asserting what they should see at each step.

    Drag a gate weight with the mouse, step another with the keyboard, switch the gate's
    activation: after each, the four readouts show glulib's values for the settings on the page
    and the figure's pixels changed. Reset: the story's numbers are back.
    """
    panel = PumpPanel(page)
    panel.scope.scroll_into_view_if_needed()
    assert panel.wait_consistent() == STORY, f"the panel does not open on the story: {panel.readouts()}"
    start = {k: panel.value(k) for k in SLIDERS}
    start_activation = panel.activation()
    other = next(a for a in ("tanh", *panel.activation_options()) if a != start_activation)
    actions = [
        ("drag gate_tide with the mouse", "gate_tide", lambda: panel.drag("gate_tide")),
        ("step gate_wind with the keyboard", "gate_wind",
         lambda: panel.press("gate_wind", "ArrowRight", 5)),
        (f"switch the activation to {other}", "activation", lambda: panel.choose_activation(other)),
    ]
    for i, (what, key, act) in enumerate(actions):
        before_png, before = panel.canvas_png(), panel.readouts()
        before_control = panel.activation() if key == "activation" else panel.value(key)
        act()
        after_control = wait_for(
            lambda: (v := panel.activation() if key == "activation" else panel.value(key)) != before_control and [v],
            UPDATE_TIMEOUT_S, f"{key} to change after: {what}")[0]
        after = panel.wait_consistent()
        moved = "gate" if key == "activation" else "gate_input"
        assert after[moved] != before[moved], f"{what}: {moved} stayed at {before[moved]}"
        after_png = wait_for(lambda: (png := panel.canvas_png()) and
                             changed_fraction(before_png, png) > CANVAS_CHANGED and png,
                             UPDATE_TIMEOUT_S, f"the figure to redraw after: {what}")
        if shots is not None:
            (shots / f"{label}-pump-{i}-before.png").write_bytes(before_png)
            (shots / f"{label}-pump-{i}-after-{key}-{after_control}.png").write_bytes(after_png)
    panel.reset()
    wait_for(lambda: panel.readouts() == STORY, UPDATE_TIMEOUT_S,
             f"reset to bring back the story's numbers {STORY}")
    assert {k: panel.value(k) for k in SLIDERS} == start, "reset left a slider moved"
    assert panel.activation() == start_activation
    assert not panel.mismatches()
