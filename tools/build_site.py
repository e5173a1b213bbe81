"""Render the course to static HTML for reading: `make site` (python tools/build_site.py).

Every notebooks/NN_*.ipynb is executed top to bottom in a fresh kernel and rendered with
JupyterLab's look into OUT/notebooks/NN_*.html, next to the executed notebook itself;
OUT/index.html lists them in course order. Links between notebooks (`01_x.ipynb`) become
links between pages (`01_x.html`); a link to another file of the repository (`../data/README.md`)
is kept and that file copied along, so the site mirrors the repository's layout. A link that
leads nowhere stops the build. Widgets are not embedded: every live figure has a static twin.

    python tools/build_site.py [--out _site] [--only 00_ --only 02_] [--timeout 120]
"""

import argparse
import contextlib
import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
TEMPLATES = Path(__file__).resolve().parent / "site_template"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# href="..." and src="..." in the rendered HTML (nbconvert writes double quotes)
LINK = re.compile(r'(?P<attr>\b(?:href|src))="(?P<url>[^"]*)"')


class SiteError(RuntimeError):
    """The course cannot be rendered as it stands (a notebook fails, a link leads nowhere)."""


def course_notebooks(only=()):
    """notebooks/NN_*.ipynb in course order, optionally only those whose name starts with one of ``only``."""
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if only:
        paths = [p for p in paths if any(p.name.startswith(o) for o in only)]
    return paths


def title_of(nb, path):
    """The notebook's first Markdown heading, without the '#'s; the file name if it has none."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^\s*#+\s+(.+?)\s*#*\s*$", cell.source, flags=re.M)
            if m:
                return re.sub(r"[*_`]", "", m.group(1))
    return path.stem


def execute(nb, path, timeout):
    """Run ``nb`` top to bottom in a fresh kernel started in the notebook's folder."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        raise SiteError(f"{path.name} failed while executing:\n{exc}") from None


def drop_widgets(nb):
    """Remove widget views (a static page cannot run them) and the saved widget state.

    An output that only a widget could show (its remaining data is the widget's text repr)
    is dropped; one that also carries an image or HTML keeps those.
    """
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_VIEW in data:
                data.pop(WIDGET_VIEW)
                if set(data) <= {"text/plain"}:
                    continue
            kept.append(out)
        cell.outputs = kept


def count_figures(nb):
    """Image outputs of an executed notebook (what its page must show)."""
    return sum(1 for cell in nb.cells if cell.cell_type == "code"
               for out in cell.get("outputs", [])
               if any(k.startswith("image/") for k in out.get("data", {})))


def rewrite_links(page_html, page_src, out, course, extracted=()):
    """Point links to course notebooks at their pages; copy other repository files linked to.

    ``page_src`` is the source notebook (links are relative to its folder); ``course`` maps
    a notebook's file name to its page's file name; ``extracted`` holds the figures written
    next to the page. Returns the new HTML and the links that lead nowhere.
    """
    broken = []
    planned = {out / "index.html", *(out / "notebooks" / p for p in course.values())}

    def fix(m):
        url = html.unescape(m.group("url"))
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path or url.startswith("/"):
            return m.group(0)  # external, absolute, data: URI or an anchor on this page
        path = unquote(parts.path)
        name = Path(path).name
        frag = f"#{parts.fragment}" if parts.fragment else ""
        if path in extracted or (out / "notebooks" / path).resolve() in planned:
            return m.group(0)  # a figure written next to the page, or another page of the site
        if name in course:
            return f'{m.group("attr")}="{html.escape(course[name] + frag, quote=True)}"'
        target = (page_src.parent / path).resolve()
        if target.is_dir() and (target / "README.md").is_file():
            target = target / "README.md"
            path = path.rstrip("/") + "/README.md"
        if target.is_file() and ROOT in target.parents and ".git" not in target.parts:
            dest = out / target.relative_to(ROOT)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(target, dest)
            return f'{m.group("attr")}="{html.escape(path + frag, quote=True)}"'
        broken.append(url)
        return m.group(0)

    return LINK.sub(fix, page_html), broken


@contextlib.contextmanager
def _kernel_state_in(folder):
    """Kernels started inside keep their matplotlib and IPython state in ``folder``."""
    saved = {k: os.environ.get(k) for k in ("MPLCONFIGDIR", "IPYTHONDIR")}
    os.environ["MPLCONFIGDIR"] = str(Path(folder) / "mpl")
    os.environ["IPYTHONDIR"] = str(Path(folder) / "ipython")
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def course_title():
    """The README's first heading: the course's name in one place."""
    m = re.search(r"^#\s+(.+?)\s*$", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.M)
    return m.group(1) if m else "The GLU course"


def write_index(out, pages):
    title = course_title()
    items = "\n".join(
        f'    <li><a href="notebooks/{html.escape(p["page"])}">{html.escape(p["title"])}</a></li>'
        for p in pages)
    (out / "index.html").write_text(f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 46em; margin: 3em auto; padding: 0 1em;
       line-height: 1.5; color: #222; }}
ol.course {{ list-style: none; padding-left: 0; }}  /* the titles carry their numbers */
li {{ margin: 0.4em 0; }}
</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p>A rendered copy of the course for reading: every notebook was run top to bottom to make it.
The sliders only move in JupyterLab (or on Binder); here every live figure shows as a static picture.</p>
<ol class="course">
{items}
</ol>
</body>
</html>
""")


def check_out(out):
    """The output folder, resolved, if it is safe to empty: new, empty, or an earlier site
    (it holds pages.json). Never the repository, a folder above it, or any other folder."""
    out = Path(out).resolve()
    if out == ROOT or out in ROOT.parents:
        raise SiteError(f"build: refusing to write into {out} (it holds the repository)")
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / "pages.json").is_file())):
        raise SiteError(f"build: refusing to empty {out}: it is not an earlier site (no pages.json)")
    return out


def build(out, only=(), timeout=120, log=print):
    """Execute and render the course into ``out``; returns the list of pages (dicts)."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.writers import FilesWriter

    out = check_out(out)
    paths = course_notebooks(only)
    if not paths:
        raise SiteError("build: no notebooks/NN_*.ipynb matched " + (f"{list(only)}" if only else ""))
    if out.exists():
        shutil.rmtree(out)
    (out / "notebooks").mkdir(parents=True)

    sources = [nbformat.read(p, as_version=4) for p in paths]
    pages = [{"source": p.name, "page": p.stem + ".html", "title": title_of(nb, p)}
             for p, nb in zip(paths, sources)]
    # links to every course notebook resolve, also to those left out by --only (their page is
    # then missing, and the link check below says so)
    course = {p.name: p.stem + ".html" for p in course_notebooks()}

    exporter = HTMLExporter(template_name="glu_site", extra_template_basedirs=[str(TEMPLATES)])
    exporter.register_preprocessor("nbconvert.preprocessors.ExtractOutputPreprocessor", enabled=True)
    writer = FilesWriter(build_directory=str(out / "notebooks"))
    broken = {}
    with tempfile.TemporaryDirectory() as state, _kernel_state_in(state):
        for i, (path, nb, page) in enumerate(zip(paths, sources, pages)):
            start = time.perf_counter()
            execute(nb, path, timeout)
            drop_widgets(nb)
            page["figures"] = count_figures(nb)
            nav = {}
            if i > 0:
                nav["prev"] = {"href": pages[i - 1]["page"], "title": pages[i - 1]["title"]}
            if i + 1 < len(pages):
                nav["next"] = {"href": pages[i + 1]["page"], "title": pages[i + 1]["title"]}
            nb.metadata["glu_site"] = nav
            nb.metadata["title"] = page["title"]
            body, resources = exporter.from_notebook_node(
                nb, resources={"unique_key": path.stem, "output_files_dir": f"{path.stem}_files"})
            body, bad = rewrite_links(body, path, out, course, extracted=set(resources["outputs"]))
            if bad:
                broken[path.name] = bad
            writer.write(body, resources, notebook_name=path.stem)
            nb.metadata.pop("glu_site")
            nbformat.write(nb, out / "notebooks" / path.name)  # the executed notebook, to download
            log(f"  {path.name}: {page['figures']} figures, {time.perf_counter() - start:.1f} s")
    write_index(out, pages)
    (out / "pages.json").write_text(json.dumps(pages, indent=1))
    if broken:
        lines = [f"  {name}: {', '.join(urls)}" for name, urls in broken.items()]
        raise SiteError("links that lead nowhere (fix the notebook):\n" + "\n".join(lines))
    return pages


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "_site"), help="output folder (default: _site)")
    parser.add_argument("--only", action="append", default=[], metavar="PREFIX",
                        help="build only notebooks whose name starts with PREFIX (repeatable)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per cell (default: 120)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        pages = build(args.out, args.only, args.timeout)
    except SiteError as exc:
        print(f"make site: {exc}", file=sys.stderr)
        return 1
    print(f"{len(pages)} pages in {args.out}/ ({time.perf_counter() - start:.0f} s); "
          f"open {Path(args.out) / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
