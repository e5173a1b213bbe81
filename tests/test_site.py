"""`make site`: the course rendered to static HTML, with an index in course order, every figure,
and links that all lead somewhere."""

import importlib.util
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_site = _load_builder()


class _Page(HTMLParser):
    """Links, images and element ids of one HTML page."""

    def __init__(self, path):
        super().__init__()
        self.links, self.images, self.ids = [], [], set()
        self.course = []  # hrefs inside <ol class="course">
        self._in_course = False
        self.feed(Path(path).read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "name" in attrs:
            self.ids.add(attrs["name"])
        if tag == "ol" and "course" in (attrs.get("class") or "").split():
            self._in_course = True
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
            if self._in_course:
                self.course.append(attrs["href"])
        if tag == "img" and attrs.get("src"):
            self.images.append(attrs["src"])

    def handle_endtag(self, tag):
        if tag == "ol":
            self._in_course = False


def _internal(url):
    parts = urlsplit(url)
    return not (parts.scheme or parts.netloc or url.startswith("/"))


# ------------------------------------------------------------------ the builder's parts, fast


def test_links_to_notebooks_become_links_to_pages(tmp_path):
    src = ROOT / "notebooks" / "00_typhoon_pump.ipynb"
    course = {"01_x.ipynb": "01_x.html", "00_typhoon_pump.ipynb": "00_typhoon_pump.html"}
    page = ('<a href="01_x.ipynb#the-gate">next</a> <a href="./01_x.ipynb">again</a> '
            '<a href="#here">anchor</a> <a href="https://example.org/a.ipynb">web</a>')
    out, broken = build_site.rewrite_links(page, src, tmp_path, course)
    assert broken == []
    assert 'href="01_x.html#the-gate"' in out and 'href="01_x.html"' in out
    assert 'href="#here"' in out and 'href="https://example.org/a.ipynb"' in out


def test_links_to_repository_files_are_copied_and_dead_links_reported(tmp_path):
    src = ROOT / "notebooks" / "00_typhoon_pump.ipynb"
    page = '<a href="../pyproject.toml">deps</a> <a href="99_missing.ipynb">gone</a> <img src="nope.png">'
    out, broken = build_site.rewrite_links(page, src, tmp_path, {})
    assert (tmp_path / "pyproject.toml").read_bytes() == (ROOT / "pyproject.toml").read_bytes()
    assert 'href="../pyproject.toml"' in out
    assert broken == ["99_missing.ipynb", "nope.png"]


def test_widget_views_are_dropped_and_static_outputs_kept():
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    view = {"application/vnd.jupyter.widget-view+json": {"model_id": "m"}}
    cell = nbformat.v4.new_code_cell("panel")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={**view, "text/plain": "VBox(...)"}),
        nbformat.v4.new_output("display_data", data={**view, "image/png": "iVBORw0KGgo="}),
        nbformat.v4.new_output("stream", name="stdout", text="kept\n"),
    ]
    nb.cells = [cell]
    build_site.drop_widgets(nb)
    assert "widgets" not in nb.metadata
    assert [list(o.get("data", {})) for o in cell.outputs] == [["image/png"], []]
    assert build_site.count_figures(nb) == 1


def test_refuses_to_empty_a_folder_that_is_not_a_site(tmp_path):
    for folder in (ROOT, ROOT.parent, ROOT / "notebooks"):
        with pytest.raises(build_site.SiteError, match="refusing"):
            build_site.check_out(folder)
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(build_site.SiteError, match="not an earlier site"):
        build_site.check_out(tmp_path)
    assert build_site.check_out(tmp_path / "new") == (tmp_path / "new").resolve()
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "pages.json").write_text("[]")
    assert build_site.check_out(tmp_path / "old") == (tmp_path / "old").resolve()


# ------------------------------------------------------------------ the whole site, built


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "_site"
    pages = build_site.build(out, log=lambda *a: None)
    return out, pages




@pytest.mark.notebook
@pytest.mark.slow
def test_every_notebook_has_its_page_in_course_order(site):
    out, pages = site
    assert NOTEBOOKS, "no notebooks to render"
    index = _Page(out / "index.html")
    assert index.course == [f"notebooks/{p.stem}.html" for p in NOTEBOOKS]
    for p in NOTEBOOKS:
        assert (out / "notebooks" / f"{p.stem}.html").stat().st_size > 10_000, f"{p.stem}.html is missing or empty"
        executed = nbformat.read(out / "notebooks" / p.name, as_version=4)
        code = [c for c in executed.cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code), f"{p.name}: not every cell ran"


@pytest.mark.notebook
@pytest.mark.slow
def test_every_figure_is_on_its_page(site):
    from PIL import Image

    out, _ = site
    for p in NOTEBOOKS:
        executed = nbformat.read(out / "notebooks" / p.name, as_version=4)
        figures = sum(1 for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])
                      if any(k.startswith("image/") for k in o.get("data", {})))
        page = _Page(out / "notebooks" / f"{p.stem}.html")
        images = [src for src in page.images if not src.startswith("data:image/svg")]
        assert len(images) >= figures, f"{p.stem}.html shows {len(images)} of {figures} figures"
        for src in images:
            if src.startswith("data:"):
                continue
            path = out / "notebooks" / unquote(urlsplit(src).path)
            assert path.is_file(), f"{p.stem}.html: figure {src} is missing"
            with Image.open(path) as im:
                im.verify()
                assert im.size[0] > 50 and im.size[1] > 50, f"{src} is {im.size}"


@pytest.mark.notebook
@pytest.mark.slow
def test_every_internal_link_resolves(site):
    out, _ = site
    pages = {path: _Page(path) for path in out.rglob("*.html")}
    problems = []
    for path, page in pages.items():
        for url in page.links + page.images:
            if not _internal(url):
                continue
            parts = urlsplit(url)
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if out not in target.parents or not target.is_file():
                problems.append(f"{path.relative_to(out)}: {url} leads nowhere")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _Page(target).ids
                # as a browser does: the fragment as written, then percent-decoded
                if parts.fragment not in ids and unquote(parts.fragment) not in ids:
                    problems.append(f"{path.relative_to(out)}: {url}: no #{parts.fragment} there")
    assert not problems, "\n".join(problems)


@pytest.mark.notebook
@pytest.mark.slow
def test_links_between_notebooks_point_at_pages(site):
    out, _ = site
    for p in NOTEBOOKS:
        source = json.loads(p.read_text())
        markdown = "\n".join("".join(c["source"]) for c in source["cells"] if c["cell_type"] == "markdown")
        linked = set(re.findall(r"\]\((?:\./)?(\d\d_[\w-]+)\.ipynb", markdown))
        page = _Page(out / "notebooks" / f"{p.stem}.html")
        assert not [u for u in page.links if _internal(u) and ".ipynb" in u], f"{p.stem}.html links to a .ipynb"
        hrefs = {Path(urlsplit(u).path).stem for u in page.links if _internal(u)}
        assert linked <= hrefs, f"{p.stem}.html lost links to {sorted(linked - hrefs)}"


@pytest.mark.notebook
@pytest.mark.slow
def test_pages_need_no_widget_code_from_a_cdn(site):
    out, _ = site
    for path in (out / "notebooks").glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "application/vnd.jupyter.widget-view+json" not in text, f"{path.name} embeds a widget view"
        assert "require.min.js" not in text and "html-manager" not in text, f"{path.name} loads widget code"
