"""`make slides`: chosen notebooks as reveal.js slide decks for a projector, in _slides/.

    python tools/build_slides.py --out _slides 00_typhoon_pump 02_gate_zoo 05_ffn

Each notebook is run top to bottom (or its outputs taken from the site's execution cache,
_build/jupyter_cache, when `make site` ran it unchanged) and rendered with nbconvert's slides
exporter. The cells' ``slideshow`` metadata cut the deck: ``slide`` starts a slide,
``subslide`` a slide below it, ``fragment`` appears on the next key press, ``skip`` is left
out. Each deck is then cut to fit a 1280x720 frame (``cut``): a cell that would overflow its
slide starts a sub-slide, cells that call an exercise checker are left out with their output,
code wraps, and a slide still too large is shrunk in the browser until it fits. Widgets are
left out too (a deck has no kernel); every live figure has its static twin (in the next
output, or as the image of the panel's own output). reveal.js, RequireJS, jQuery and MathJax are local copies (npm, in
docs/node_modules), copied into OUT/lib/: the decks open from the folder, with no network.
"""

import argparse
import base64
import copy
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NODE = ROOT / "docs" / "node_modules"
CACHE = ROOT / "_build" / "jupyter_cache"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# What each deck loads, relative to the deck (OUT/NAME.slides.html)
LIBS = {
    "reveal": ("reveal.js", ["dist", "plugin/notes"]),
    "mathjax": ("mathjax2", ["MathJax.js", "config/TeX-AMS_CHTML-full.js", "config/Safe.js", "extensions", "jax/input/TeX",
                             "jax/output/CommonHTML", "jax/element", "fonts/HTML-CSS/TeX/woff", "localization/en"]),
    "require": ("requirejs", ["require.js"]),
    "jquery": ("jquery", ["dist/jquery.min.js"]),
}
URLS = {
    "reveal_url_prefix": "lib/reveal",
    "mathjax_url": "lib/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
    "require_js_url": "lib/require/require.js",
    "jquery_url": "lib/jquery/dist/jquery.min.js",
}
# The frame of every slide: a 1280x720 projector
WIDTH, HEIGHT = 1280, 720
# What a slide's content may fill before the next cell starts a sub-slide (see ``cut``)
BUDGET = 0.85 * HEIGHT
# nbconvert's reveal template, less its module script that imports Mermaid from a CDN on
# every load (no cell of the course draws a Mermaid diagram); with the course's icon (else the
# browser asks for /favicon.ico); code wrapped, never cut at the right; and a last step after
# MathJax has typeset: a slide still taller or wider than the frame is shrunk (CSS zoom) until
# it fits, and the zoom is written on it (data-glu-zoom; the browser test reads it).
TEMPLATE = """{%- extends 'reveal/index.html.j2' -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}<link rel="icon" type="image/svg+xml" href="lib/favicon.svg">
<style>
.reveal pre, .reveal code, .reveal .highlight pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.reveal .jp-OutputArea-output img { max-width: 100%; height: auto; }
.reveal .slides section { overflow: visible; }
</style>
{%- endblock html_head_css -%}
{% block footer_js %}
<script>
require({waitSeconds: 15}, ["lib/reveal/dist/reveal.js", "lib/reveal/plugin/notes/notes.js"],
  function(Reveal, RevealNotes) {
    Reveal.initialize({controls: true, progress: true, history: true, transition: "none",
                       slideNumber: false, plugins: [RevealNotes], width: WIDTH, height: HEIGHT,
                       center: true, margin: 0.02});
    var fitOne = function(s) {  // shown for the measurement (with its stack), then as it was
      var shown = [s];
      if (s.parentElement && s.parentElement.tagName === "SECTION") shown.push(s.parentElement);
      var saved = shown.map(function(e) { return [e.style.display, e.hidden]; });
      shown.forEach(function(e) { e.style.display = "block"; e.hidden = false; });
      s.style.zoom = "";
      var zoom = 1;
      for (var i = 0; i < 12; i++) {
        var h = s.scrollHeight * zoom, w = s.scrollWidth * zoom;
        if (h <= HEIGHT && w <= WIDTH) break;
        zoom = zoom * Math.min(HEIGHT / h, WIDTH / w) * 0.98;
        s.style.zoom = zoom;
      }
      s.dataset.gluZoom = zoom.toFixed(3);
      shown.forEach(function(e, i) { e.style.display = saved[i][0]; e.hidden = saved[i][1]; });
    };
    var fitAll = function() {
      document.querySelectorAll(".reveal .slides section").forEach(function(s) {
        if (!s.querySelector("section")) fitOne(s);
      });
      Reveal.layout();
      document.documentElement.dataset.gluFitted = "1";
    };
    var fitAfterMath = function() {  // once every figure has its size and MathJax has typeset
      var images = Array.prototype.slice.call(document.querySelectorAll(".reveal img"));
      Promise.all(images.map(function(img) {
        return img.complete ? null : new Promise(function(done) { img.onload = img.onerror = done; });
      })).then(function() {
        if (window.MathJax && MathJax.Hub) { MathJax.Hub.Queue(fitAll); } else { fitAll(); }
      });
    };
    if (Reveal.isReady()) { fitAfterMath(); } else { Reveal.on("ready", fitAfterMath); }
    Reveal.on("slidechanged", function() {
      if (window.MathJax && MathJax.Hub && MathJax.Hub.getAllJax(Reveal.getCurrentSlide()).length) {
        MathJax.Hub.Queue(["Rerender", MathJax.Hub, Reveal.getCurrentSlide()]);
      }
    });
  });
</script>
{% endblock footer_js %}
""".replace("WIDTH", str(WIDTH)).replace("HEIGHT", str(HEIGHT))
#: A code cell that calls an exercise checker: left out of decks with its output (the class
#: sees the exercise in the notebook, not a checker's "Not yet" on a projector)
CHECKER = re.compile(r"\bex\.check_\w+\(")
TIMEOUT_S = 600  # per cell; every notebook aims at well under a minute in all


class SlidesError(RuntimeError):
    """A deck cannot be built (an unknown notebook, a failing cell, a missing library)."""


def notebook_path(name):
    """notebooks/NAME.ipynb for NAME given as '00_typhoon_pump', '00' or a path."""
    stem = Path(name).stem
    found = sorted(NOTEBOOKS.glob(f"{stem}*.ipynb")) if len(stem) == 2 else [NOTEBOOKS / f"{stem}.ipynb"]
    if len(found) != 1 or not found[0].is_file():
        known = ", ".join(p.stem for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")))
        raise SlidesError(f"build_slides: notebook must be one of {known} (or its two digits), got {name!r}")
    return found[0]


def slide_type(cell):
    """The slide type a heading gives a Markdown cell: '#' or '##' starts a slide, '###' a
    slide below it (reveal.js's vertical slides); None for any other cell."""
    if cell.cell_type != "markdown":
        return None
    first = next((line for line in cell.source.splitlines() if line.strip()), "")
    level = len(first) - len(first.lstrip("#"))
    if not first.startswith("#") or first[level:level + 1] != " ":
        return None
    return "slide" if level <= 2 else "subslide" if level == 3 else None


def mark(path):
    """Give each heading cell of the notebook at ``path`` its slide type in the cell metadata
    (``slideshow.slide_type``), leaving every cell that has one already as it is; writes the
    file only when something changed. Returns the number of cells marked."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    marked = 0
    for cell in nb.cells:
        kind = slide_type(cell)
        if kind and "slideshow" not in cell.metadata:
            cell.metadata["slideshow"] = {"slide_type": kind}
            marked += 1
    if marked:
        nbformat.write(nb, path)
    return marked


def copy_libs(out):
    """Copy the parts of reveal.js, MathJax 2, RequireJS and jQuery the decks load into OUT/lib/."""
    (out / "lib").mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "docs" / "favicon.svg", out / "lib" / "favicon.svg")
    for name, (package, parts) in LIBS.items():
        src = NODE / package
        if not src.is_dir():
            raise SlidesError(f"build_slides: no {package} in {NODE}: run `make slides` (it installs it with npm ci)")
        for part in parts:
            source, target = src / part, out / "lib" / name / part
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, dirs_exist_ok=True)
            else:
                shutil.copy2(source, target)


def executed(path):
    """The notebook with its outputs: from the site's execution cache when it holds this exact
    notebook, else run now in a fresh kernel in notebooks/."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    if CACHE.is_dir():
        from jupyter_cache import get_cache

        try:
            _, merged = get_cache(CACHE).merge_match_into_notebook(nb)
            return merged
        except KeyError:  # not cached, or changed since
            pass
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    client = NotebookClient(nb, timeout=TIMEOUT_S, kernel_name="python3", store_widget_state=False,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        raise SlidesError(f"build_slides: {path.name} failed while running:\n{exc}") from None
    return nb


def without_widgets(nb):
    """Outputs a deck can show: widget views (no kernel to drive them) and their state dropped.
    A panel's output that carries its static twin (an image beside the view) keeps the image."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            kept = []
            for o in cell.get("outputs", []):
                data = o.get("data", {})
                if WIDGET_VIEW in data:
                    if not any(k.startswith("image/") for k in data):
                        continue
                    o.data = {k: v for k, v in data.items() if k.startswith("image/")}
                kept.append(o)
            cell.outputs = kept
    return nb


def _png_height(data):
    """Height in pixels of a base64 PNG (from its header), 0 when it is not one."""
    raw = base64.b64decode(data[:64])
    if raw[:8] != b"\x89PNG\r\n\x1a\n":
        return 0
    width, height = int.from_bytes(raw[16:20], "big"), int.from_bytes(raw[20:24], "big")
    return height * min(1.0, (WIDTH - 150) / max(width, 1))


def _lines(text, per_line):
    return sum(max(1, -(-len(line) // per_line)) for line in text.splitlines()) if text else 0


def height(cell):
    """A rough height in pixels of ``cell`` on a slide (20 px text, 19 px code, as the
    template sets): enough to decide where to cut; the deck shrinks what still overflows."""
    if cell.cell_type == "markdown":
        text = re.sub(r"<details>.*?</details>", "", cell.source, flags=re.S)
        heads = len(re.findall(r"^#+ ", text, re.M))
        return 32 * _lines(text, 100) + 30 * heads + 20
    if cell.cell_type != "code":
        return 0
    h = 25 * _lines(cell.source, 95) + 30
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if "image/png" in data:
            h += _png_height(data["image/png"]) + 10
        elif "text/html" in data:
            h += 24 * min(25, _lines("".join(data["text/html"]), 200) // 2 + 2)
        elif "text/plain" in data or out.get("text"):
            h += 24 * min(25, _lines(data.get("text/plain", out.get("text", "")), 95))
    return h


def paragraphs(source):
    """Markdown ``source`` split at blank lines, never inside a code fence or a <details> block."""
    parts, current, fenced, details = [], [], False, 0
    for line in source.split("\n"):
        if line.strip().startswith("```"):
            fenced = not fenced
        details += line.count("<details") - line.count("</details>")
        if not line.strip() and not fenced and details <= 0 and current:
            parts.append("\n".join(current))
            current = []
        elif line.strip() or current:
            current.append(line)
    if current:
        parts.append("\n".join(current))
    return parts


def _split_tall_markdown(nb, budget):
    """Each Markdown cell taller than ``budget`` as several cells of whole paragraphs: the
    first piece keeps the cell's marks (its slide type), the others continue it."""
    import nbformat

    cells = []
    for cell in nb.cells:
        if cell.cell_type != "markdown" or height(cell) <= budget:
            cells.append(cell)
            continue
        pieces, chunk = [], []
        for para in paragraphs(cell.source):
            if chunk and height(nbformat.v4.new_markdown_cell("\n\n".join([*chunk, para]))) > budget:
                pieces.append("\n\n".join(chunk))
                chunk = []
            chunk.append(para)
        pieces.append("\n\n".join(chunk))
        for i, text in enumerate(pieces):
            piece = nbformat.v4.new_markdown_cell(text)
            if i == 0:
                piece.metadata = copy.deepcopy(cell.metadata)
            cells.append(piece)
    nb.cells = cells
    return nb


def cut(nb, budget=BUDGET):
    """A deck's cells for a 1280x720 frame: checker cells skipped, and a cell that would
    overflow the slide it continues starts a sub-slide of its own (below the slide, reveal.js's
    vertical slides). A teacher's own marks (slide, subslide, fragment, notes, skip) are kept."""
    nb = _split_tall_markdown(copy.deepcopy(nb), budget)
    used = 0
    for cell in nb.cells:
        show = cell.metadata.setdefault("slideshow", {})
        kind = show.get("slide_type", "-")
        if cell.cell_type == "code" and CHECKER.search(cell.source):
            show["slide_type"] = "skip"
            continue
        if kind in ("skip", "notes"):
            continue
        h = height(cell)
        if kind in ("slide", "subslide"):
            used = h
        elif used > 0 and used + h > budget:
            show["slide_type"] = "subslide"
            used = h
        else:
            used += h
    return nb


def build(names, out):
    """Render each notebook of ``names`` to OUT/NAME.slides.html; returns the paths written."""
    from nbconvert import SlidesExporter

    paths = [notebook_path(n) for n in names]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    copy_libs(out)
    from jinja2 import DictLoader

    exporter = SlidesExporter(reveal_scroll=False, reveal_transition="none", reveal_theme="white",
                              reveal_width=str(WIDTH), reveal_height=str(HEIGHT), template_file="glu_slides.html.j2",
                              extra_loaders=[DictLoader({"glu_slides.html.j2": TEMPLATE})], **URLS)
    written = []
    for path in paths:
        nb = cut(without_widgets(executed(path)))
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
        target = out / f"{path.stem}.slides.html"
        target.write_text(body, encoding="utf-8")
        written.append(target)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", help="notebook names, e.g. 00_typhoon_pump or 00")
    parser.add_argument("--out", default=str(ROOT / "_slides"), help="output folder (default: _slides)")
    parser.add_argument("--mark", action="store_true",
                        help="instead of building, write each heading cell's slide type into the notebooks "
                             "(cells that have one keep it)")
    args = parser.parse_args(argv)
    try:
        if args.mark:
            for name in args.notebooks:
                path = notebook_path(name)
                print(f"{path.name}: {mark(path)} heading cells marked")
            return 0
        written = build(args.notebooks, args.out)
    except SlidesError as exc:
        print(exc, file=sys.stderr)
        return 1
    for path in written:
        print(f"{path}  (open in a browser; press S for the speaker view, ? for the keys)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
