"""`make slides`: the chosen notebooks as reveal.js decks, one slide per heading cell marked in
the notebook, each deck opening on its notebook's title, with every library a local copy."""

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

from site_build import Page, internal, target_of
from site_build import build_slides as build_slides_once
from site_build import slide_decks as makefile_decks

ROOT = Path(__file__).resolve().parents[1]


def _load():
    spec = importlib.util.spec_from_file_location("build_slides", ROOT / "tools" / "build_slides.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_slides = _load()


def title_of(path):
    """The notebook's first heading, as written."""
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+?)\s*$", cell.source, re.M)
            if m:
                return m.group(1)
    raise AssertionError(f"{path.name} has no title")


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    return build_slides_once(tmp_path_factory.getbasetemp())


# ---------------------------------------------------------------- the parts, fast


def test_headings_start_slides_and_other_cells_continue():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    assert build_slides.slide_type(md("# Title\n\ntext")) == "slide"
    assert build_slides.slide_type(md("\n## Section")) == "slide"
    assert build_slides.slide_type(md("### Part")) == "subslide"
    for cell in (md("#### Detail"), md("Text with # a hash"), md("#hashtag"), md(""), code("# a comment")):
        assert build_slides.slide_type(cell) is None, cell.source


def test_mark_keeps_a_teachers_choice_and_writes_only_on_change(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# T"), nbformat.v4.new_markdown_cell("## Kept"),
                nbformat.v4.new_code_cell("1")]
    nb.cells[1].metadata["slideshow"] = {"slide_type": "skip"}
    path = tmp_path / "00_t.ipynb"
    nbformat.write(nb, path)
    assert build_slides.mark(path) == 1
    marked = nbformat.read(path, as_version=4)
    assert [c.metadata.get("slideshow") for c in marked.cells] == [{"slide_type": "slide"}, {"slide_type": "skip"}, None]
    before = path.stat().st_mtime_ns
    assert build_slides.mark(path) == 0 and path.stat().st_mtime_ns == before


def test_an_unknown_notebook_is_refused_by_name():
    with pytest.raises(build_slides.SlidesError, match="notebook must be one of 00_typhoon_pump.*got '99'"):
        build_slides.notebook_path("99")
    assert build_slides.notebook_path("02") == ROOT / "notebooks" / "02_gate_zoo.ipynb"


def test_the_default_decks_are_marked_in_their_notebooks():
    for name in makefile_decks():
        cells = nbformat.read(build_slides.notebook_path(name), as_version=4).cells
        kinds = [c.metadata.get("slideshow", {}).get("slide_type") for c in cells]
        assert kinds[0] == "slide", f"{name}: the title cell does not start a slide"
        assert kinds.count("slide") >= 3, f"{name}: only {kinds.count('slide')} slides marked"


# ---------------------------------------------------------------- the decks, built


@pytest.mark.notebook
@pytest.mark.slow
def test_each_deck_opens_on_its_title_with_one_slide_per_marked_cell(decks):
    for name in makefile_decks():
        path = build_slides.notebook_path(name)
        deck = (decks / f"{path.stem}.slides.html").read_text(encoding="utf-8")
        slides = re.split(r"<section><section>", deck)[1:]  # one per horizontal slide
        cells = nbformat.read(path, as_version=4).cells
        assert len(slides) == sum(c.metadata.get("slideshow", {}).get("slide_type") == "slide" for c in cells)
        first = re.search(r"<h1[^>]*>(.*?)</h1>", slides[0], re.S)
        assert first, f"{name}: the first slide has no title"
        assert re.sub(r"<[^>]+>", "", first.group(1)).replace("¶", "").strip() == title_of(path)


@pytest.mark.notebook
@pytest.mark.slow
def test_decks_load_only_local_files_and_show_figures_not_widgets(decks):
    for name in makefile_decks():
        path = decks / f"{build_slides.notebook_path(name).stem}.slides.html"
        page = Page(path)
        assert page.scripts and page.styles
        for url in page.scripts + page.styles:
            assert internal(url), f"{path.name} loads {url}"
            assert target_of(path, url).is_file(), f"{path.name}: {url} is missing"
        raw = path.read_text(encoding="utf-8")
        assert "import mermaid" not in raw and "unpkg.com" not in raw and "cdnjs" not in raw
        assert "application/vnd.jupyter.widget" not in raw, f"{path.name} embeds a widget"
        assert re.search(r'<img[^>]+src="data:image/png;base64,', raw), f"{path.name} shows no figure"
    lib = decks / "lib"
    for needed in ("reveal/dist/reveal.js", "reveal/plugin/notes/notes.js", "mathjax/MathJax.js",
                   "mathjax/config/TeX-AMS_CHTML-full.js", "require/require.js"):
        assert (lib / needed).is_file(), needed
