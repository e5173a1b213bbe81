"""`make slides`: chosen notebooks as reveal.js slide decks for a projector, in _slides/.

    python tools/build_slides.py --out _slides 00_typhoon_pump 02_gate_zoo 05_ffn

Each notebook is run top to bottom (or its outputs taken from the site's execution cache,
_build/jupyter_cache, when `make site` ran it unchanged) and rendered with nbconvert's slides
exporter. The cells' ``slideshow`` metadata cut the deck: ``slide`` starts a slide,
``subslide`` a slide below it, ``fragment`` appears on the next key press, ``skip`` is left
out. Widgets are left out too (a deck has no kernel); every live figure has its static twin
in the next output. reveal.js, RequireJS, jQuery and MathJax are local copies (npm, in
docs/node_modules), copied into OUT/lib/: the decks open from the folder, with no network.
"""

import argparse
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
# nbconvert's reveal template, less its module script that imports Mermaid from a CDN on
# every load (no cell of the course draws a Mermaid diagram); with the course's icon (else the
# browser asks for /favicon.ico)
TEMPLATE = """{%- extends 'reveal/index.html.j2' -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}<link rel="icon" type="image/svg+xml" href="lib/favicon.svg">{%- endblock html_head_css -%}
"""
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


def build(names, out):
    """Render each notebook of ``names`` to OUT/NAME.slides.html; returns the paths written."""
    from nbconvert import SlidesExporter

    paths = [notebook_path(n) for n in names]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    copy_libs(out)
    from jinja2 import DictLoader

    exporter = SlidesExporter(reveal_scroll=True, reveal_transition="none", reveal_theme="white", template_file="glu_slides.html.j2",
                              extra_loaders=[DictLoader({"glu_slides.html.j2": TEMPLATE})], **URLS)
    written = []
    for path in paths:
        nb = without_widgets(executed(path))
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
