"""`make site`: the course built with Sphinx, myst-nb and sphinx-book-theme. The sidebar in
course order, previous/next links, a Binder launch link and an .ipynb download on every
notebook page, the README's course map as the front page and its References as a page, every
figure on its page, links that lead somewhere, and nothing loaded from outside the site.

The site is built once per session (tests/site_build.py) with the Makefile's command and the
execution cache of `make site`; tests/browser/test_site_browser.py opens it in Chromium."""

import html
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

from site_build import NOTEBOOKS, ROOT, Page, build_site, internal, target_of

pytestmark = [pytest.mark.notebook, pytest.mark.slow]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BINDER = re.search(r"\]\((https://mybinder\.org/v2/gh/[\w.-]+/[\w.-]+/[\w./-]+)\?urlpath=lab/tree/([^)\s]+)\)", README)
MATHJAX = "_static/mathjax/tex-mml-chtml.js"
QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_site(tmp_path_factory.getbasetemp() / "site-build")


def _page(out, stem):
    return out / "notebooks" / f"{stem}.html"


def _text(path):
    """The visible text of a page, tags removed and entities decoded, whitespace collapsed."""
    raw = Path(path).read_text(encoding="utf-8")
    raw = re.sub(r"<script\b.*?</script>|<style\b.*?</style>", " ", raw, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", raw)).translate(QUOTES)  # MyST's smart quotes, undone
    return re.sub(r"\s+", " ", text)


def _sidebar(path):
    """hrefs of the sidebar's navigation, in order."""
    raw = Path(path).read_text(encoding="utf-8")
    nav = re.search(r'<nav class="bd-links bd-docs-nav".*?</nav>', raw, re.S)
    assert nav, f"{path.name} has no sidebar navigation"
    return re.findall(r'<a class="[^"]*\breference internal[^"]*" href="([^"]+)"', nav.group(0))


def _prev_next(path):
    raw = Path(path).read_text(encoding="utf-8")
    found = {}
    for side in ("left-prev", "right-next"):
        m = re.search(rf'<a class="{side}"\s+href="([^"]+)"', raw)
        found[side] = m and m.group(1)
    return found


def _readme_map():
    """(number, title, path, what you learn) of each row of the README's course map."""
    return re.findall(r"^\| (\d\d) \| \[([^\]]+)\]\((notebooks/[^)]+\.ipynb)\) \| (.+?) \|", README, re.M)


def test_the_sidebar_lists_every_notebook_in_course_order_then_the_references_and_notes(site):
    assert NOTEBOOKS, "no notebooks"
    want = [f"../notebooks/{p.stem}.html" for p in NOTEBOOKS] + ["references.html", "PERFORMANCE.html"]
    assert _sidebar(site / "docs" / "index.html") == want
    for p in NOTEBOOKS:  # the same sidebar on every notebook page (the page itself links to "#")
        page = _page(site, p.stem)
        assert [target_of(page, u) for u in _sidebar(page)] == \
            [_page(site, q.stem).resolve() for q in NOTEBOOKS] + \
            [(site / "docs" / f"{doc}.html").resolve() for doc in ("references", "PERFORMANCE")]


def test_previous_and_next_follow_the_course(site):
    order = [site / "docs" / "index.html", *(_page(site, p.stem) for p in NOTEBOOKS),
             site / "docs" / "references.html", site / "docs" / "PERFORMANCE.html"]
    for before, page, after in zip(order, order[1:], order[2:]):
        links = _prev_next(page)
        assert links["left-prev"] and target_of(page, links["left-prev"]) == before.resolve(), (page.name, links)
        assert links["right-next"] and target_of(page, links["right-next"]) == after.resolve(), (page.name, links)


def test_every_notebook_page_launches_that_notebook_on_binder_and_downloads_it(site):
    assert BINDER, "README has no Binder link"
    assert BINDER.group(2) == "notebooks/00_typhoon_pump.ipynb"
    for p in NOTEBOOKS:
        page = Page(_page(site, p.stem))
        launch = [u for u in page.links if u.startswith("https://mybinder.org/")]
        assert launch == [f"{BINDER.group(1)}?urlpath=lab/tree/notebooks/{p.name}"], (p.name, launch)
        downloads = [u for u in page.links if internal(u) and u.endswith(".ipynb")]
        assert downloads, f"{p.stem}.html offers no .ipynb download"
        for url in downloads:
            # the notebook as stored: without outputs, as a learner opens it
            assert target_of(page.path, url).read_bytes() == p.read_bytes(), url


def test_the_front_page_is_the_readme_course_map(site):
    rows = _readme_map()
    assert [f"notebooks/{p.name}" for p in NOTEBOOKS] == [path for _, _, path, _ in rows]
    index = site / "docs" / "index.html"
    text, page = _text(index), Page(index)
    title = re.match(r"# (.+)", README).group(1)
    assert title in text
    intro = README.split("## Start")[0].split("\n\n")[2]  # after the title and the Binder badge
    squeeze = lambda t: re.sub(r"\s+", "", t)  # inline tags leave spaces around emphasis
    assert squeeze(re.sub(r"[*_`]", "", intro))[:100] in squeeze(text)
    assert "badge_logo.svg" not in index.read_text(encoding="utf-8")  # an image from outside
    for number, name, path, learn in rows:
        assert name in text and f"../{path[:-len('.ipynb')]}.html" in page.links, name
        plain = re.sub(r"[*_`]", "", learn)  # what Markdown emphasis leaves as text
        assert plain[:80] in text, f"the front page lacks the map's row {number}: {plain[:80]!r}"


def test_the_references_page_is_the_readme_references(site):
    section = README.split("## References", 1)[1].split("\n## ", 1)[0]
    bullets = re.findall(r"^- .+$", section, re.M)
    assert bullets
    page = site / "docs" / "references.html"
    links, raw = Page(page).links, page.read_text(encoding="utf-8")
    assert raw.count("<li>") >= len(bullets)
    for bullet in bullets:
        for url in re.findall(r"\]\((https?://[^)]+)\)", bullet):
            assert url in links, url


def test_no_page_loads_a_script_or_stylesheet_from_outside_the_site(site):
    pages = sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)  # not the theme's partials
    assert len(pages) >= len(NOTEBOOKS) + 3
    for path in pages:
        page = Page(path)
        for url in page.scripts + page.styles:
            assert internal(url), f"{path.relative_to(site)} loads {url}"
            assert target_of(path, url).is_file(), f"{path.relative_to(site)}: {url} is missing"
        raw = path.read_text(encoding="utf-8")
        assert "require.min.js" not in raw and "html-manager" not in raw, f"{path.name} loads widget code"
        assert "@import url(http" not in raw


def test_math_is_typeset_by_the_local_mathjax(site):
    assert (site / MATHJAX).is_file()
    with_math = 0
    for p in NOTEBOOKS:
        page, raw = Page(_page(site, p.stem)), _page(site, p.stem).read_text(encoding="utf-8")
        if 'class="math' in raw:
            with_math += 1
            assert [s for s in page.scripts if s.split("?")[0] == f"../{MATHJAX}"], f"{p.stem}: no local MathJax"
    assert with_math >= 3, "expected math on several notebook pages"


def test_every_figure_is_on_its_page_and_not_blank(site):
    import numpy as np
    from PIL import Image

    from jupyter_cache import get_cache

    cache = get_cache(ROOT / "_build" / "jupyter_cache")  # docs/conf.py's nb_execution_cache_path
    for p in NOTEBOOKS:
        _, executed = cache.merge_match_into_notebook(nbformat.read(p, as_version=4))
        code = [c for c in executed.cells if c.cell_type == "code"]
        assert any(c.get("outputs") for c in code), f"{p.name}: no cell has an output"
        errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"{p.name}: {errors[0].get('ename')}: {errors[0].get('evalue')}"
        figures = sum(1 for c in code for o in c.get("outputs", [])
                      if any(k in ("image/png", "image/jpeg", "image/svg+xml") for k in o.get("data", {})))
        page = Page(_page(site, p.stem))
        images = [src for src in page.images if "_images/" in src]
        assert len(images) == figures, f"{p.stem}.html shows {len(images)} of {figures} figures"
        for src in images:
            path = target_of(page.path, src)
            with Image.open(path) as im:
                pixels = np.asarray(im.convert("L"), dtype=float)  # (height, width)
            assert min(pixels.shape) > 50 and pixels.std() > 5, f"{p.stem}: {src} is blank or tiny"


def test_every_internal_link_resolves(site):
    pages = {path.resolve(): Page(path) for path in site.rglob("*.html")}
    problems = []
    for path, page in pages.items():
        for url in page.links + page.images:
            if not internal(url):
                continue
            target = target_of(path, url)
            fragment = urlsplit(url).fragment
            if site.resolve() not in target.parents or not target.is_file():
                problems.append(f"{path.relative_to(site.resolve())}: {url} leads nowhere")
            elif fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else Page(target).ids
                if fragment not in ids and unquote(fragment) not in ids:
                    problems.append(f"{path.relative_to(site.resolve())}: {url}: no #{fragment} there")
    assert not problems, "\n".join(problems)


def test_search_index_holds_every_notebook(site):
    raw = (site / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(raw[raw.index("(") + 1:raw.rindex(")")])
    assert sorted(index["docnames"]) == sorted(["docs/index", "docs/references", "docs/PERFORMANCE",
                                                *(f"notebooks/{p.stem}" for p in NOTEBOOKS)])
    assert "swiglu" in index["terms"]


@pytest.mark.parametrize("fault", ["failing cell", "broken link"])
def test_a_failing_cell_or_a_broken_link_fails_the_build(tmp_path, fault):
    """The Makefile's sphinx-build options on a tiny course: a cell that raises, or a link to
    a page that does not exist, stops the build with a message that names it."""
    from site_build import make_site_command

    src = tmp_path / "src"
    (src / "docs").mkdir(parents=True)
    (src / "notebooks").mkdir()
    (src / "README.md").write_text(README)
    link = "See [a missing page](missing.md)." if fault == "broken link" else "Fine."
    (src / "docs" / "index.md").write_text(f"# Tiny\n\n{link}\n\n"
                                           "```{toctree}\n:glob:\n\n/notebooks/*\n```\n")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# 00 · Broken"), nbformat.v4.new_code_cell("1 / 0" if fault == "failing cell" else "1 + 1")]
    nbformat.write(nb, src / "notebooks" / "00_broken.ipynb")
    *options, _, _ = make_site_command()
    options[options.index("-c") + 1] = str(ROOT / "docs")
    options[options.index("-d") + 1] = str(tmp_path / "doctrees")
    proc = subprocess.run([sys.executable, "-m", "sphinx", *options,
                           "-D", f"nb_execution_cache_path={tmp_path / 'cache'}", str(src), str(tmp_path / "out" / "site")],
                          capture_output=True, text=True, timeout=600)
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0, log[-3000:]
    assert ("ZeroDivisionError" if fault == "failing cell" else "missing") in log, log[-3000:]
