"""The course site, built once per test session (tests/test_site.py and the browser tests
share it), with `make site`'s command and execution cache, into a temporary folder."""

import re
import subprocess
import sys
import threading
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
BUILD_TIMEOUT_S = 3600  # a cold build runs every notebook once


def make_site_command():
    """`make site`'s sphinx-build arguments, read from the Makefile (so the tests build what it builds)."""
    make = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^site:.*\n\t\$\(PY\) -m sphinx (?P<args>.+)$", make, re.M)
    assert recipe, "the Makefile's site target no longer runs `$(PY) -m sphinx ...`"
    return recipe.group("args").split()


_built = {}


def build_site(base):
    """Build the site under ``base`` (once per session); returns the folder of its pages.
    Fails with sphinx-build's output when the build fails or warns."""
    if "out" not in _built:
        args = make_site_command()
        *options, src, out = args
        assert (src, out) == (".", "_build/site"), args
        doctrees = base / "doctrees"
        options[options.index("-d") + 1] = str(doctrees)
        out = base / "build" / "site"  # its executed notebooks go to base/build/jupyter_execute
        proc = subprocess.run([sys.executable, "-m", "sphinx", *options, ".", str(out)], cwd=ROOT,
                              capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
        log = proc.stdout + proc.stderr
        assert proc.returncode == 0, f"sphinx-build failed ({proc.returncode}):\n{log[-6000:]}"
        _built["out"] = out
    return _built["out"]


class Page(HTMLParser):
    """The links, images, scripts, stylesheets and ids of one HTML page."""

    def __init__(self, path):
        super().__init__()
        self.path = Path(path)
        self.links, self.images, self.scripts, self.styles, self.ids = [], [], [], [], set()
        self.classed_links = []  # (classes, href) of every <a>
        self.feed(self.path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
            self.classed_links.append(((attrs.get("class") or "").split(), attrs["href"]))
        elif tag == "img" and attrs.get("src"):
            self.images.append(attrs["src"])
        elif tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])
        elif tag == "link" and "stylesheet" in (attrs.get("rel") or "").split():
            self.styles.append(attrs.get("href") or "")


def internal(url):
    parts = urlsplit(url)
    return not (parts.scheme or parts.netloc or url.startswith("/"))


def target_of(page_path, url):
    """The file an internal URL of the page at ``page_path`` points at."""
    path = unquote(urlsplit(url).path)
    return (page_path.parent / path).resolve() if path else page_path


class StaticServer:
    """The built site over HTTP on 127.0.0.1 (a thread of this process); a context manager."""

    def __init__(self, folder):
        class Quiet(SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(folder)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def slide_decks():
    """The notebooks `make slides` renders by default (the Makefile's SLIDES)."""
    m = re.search(r"^SLIDES\s*\?=\s*(.+)$", (ROOT / "Makefile").read_text(), re.M)
    assert m, "the Makefile has no SLIDES list"
    return m.group(1).split()


def build_slides(base):
    """`make slides`'s command on the Makefile's notebooks, under ``base`` (once per session)."""
    if "slides" not in _built:
        out = base / "slides"
        proc = subprocess.run([sys.executable, "tools/build_slides.py", "--out", str(out), *slide_decks()],
                              cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
        assert proc.returncode == 0, f"build_slides failed:\n{proc.stderr[-4000:]}"
        _built["slides"] = out
    return _built["slides"]
