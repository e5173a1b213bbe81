"""The course site (`make site`) as a reader meets it in headless Chromium, served from
127.0.0.1: every page loads without a console error and asks for nothing outside the site,
the search box finds "SwiGLU" and its result leads to the notebook, each notebook page's
launch button opens that notebook on Binder, every figure is painted, and math is typeset."""

import re

import pytest

from site_build import NOTEBOOKS, ROOT, StaticServer, build_site

pytestmark = [pytest.mark.browser, pytest.mark.notebook, pytest.mark.slow]
README = (ROOT / "README.md").read_text(encoding="utf-8")
LAUNCH = re.search(r"\]\((https://mybinder\.org/v2/gh/[\w.-]+/[\w.-]+/[\w./-]+)\?urlpath=lab/tree/notebooks/", README)
PAGES = ["docs/index.html", "docs/references.html", "docs/PERFORMANCE.html", "search.html", *(f"notebooks/{p.stem}.html" for p in NOTEBOOKS)]
TYPESET_TIMEOUT_MS = 60_000  # MathJax typesets a long page in a few seconds on a busy machine

# Every figure image on the page: loaded, with a size, and with a pixel that is not white
PAINTED = """imgs => imgs.map(img => {
    if (!img.complete || !img.naturalWidth || !img.naturalHeight) return img.getAttribute('src') + ': not loaded';
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const g = c.getContext('2d'); g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 4 * 7)
        if (d[i + 3] > 0 && (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200)) return null;
    return img.getAttribute('src') + ': blank';
})"""


@pytest.fixture(scope="module")
def site_url(browser, tmp_path_factory):
    out = build_site(tmp_path_factory.getbasetemp() / "site-build")
    with StaticServer(out) as server:
        yield server.url


def _open(new_page, url):
    page, watcher = new_page()
    page.goto(url, wait_until="load")
    return page, watcher


def test_every_page_loads_without_errors_and_asks_nothing_from_outside(site_url, new_page):
    page, watcher = new_page()
    for path in PAGES:
        response = page.goto(f"{site_url}/{path}", wait_until="load")
        assert response.ok, f"{path}: HTTP {response.status}"
        page.wait_for_load_state("networkidle")
        assert page.locator("h1").first.inner_text().strip(), f"{path} has no title"
    # the site's root leads to the front page
    page.goto(f"{site_url}/", wait_until="load")
    page.wait_for_url(re.compile(r"/docs/index\.html$"))
    assert not watcher.problems(), "\n".join(watcher.problems())


def test_search_finds_swiglu_and_leads_to_the_gate_zoo(site_url, new_page):
    page, watcher = _open(new_page, f"{site_url}/docs/index.html")
    page.locator("button.search-button:visible, button.search-button-field:visible").first.click()
    box = page.locator("input[name=q]:visible").first
    box.fill("SwiGLU")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\.html\?q=SwiGLU"))
    results = page.locator("#search-results ul.search li")
    results.first.wait_for(timeout=30_000)
    page.locator("#search-results .search-summary").wait_for(timeout=30_000)  # written when the search is done
    found = results.evaluate_all("els => els.map(e => e.querySelector('a').getAttribute('href'))")
    assert "notebooks/02_gate_zoo.html" in [h.split("?")[0] for h in found], found
    zoo = results.filter(has=page.locator('a[href^="notebooks/02_gate_zoo.html"]'))
    assert "SwiGLU" in zoo.inner_text(), zoo.inner_text()  # the snippet shows the term in context
    zoo.locator("a").first.click()
    page.wait_for_url(re.compile(r"/notebooks/02_gate_zoo\.html([?#].*)?$"))
    assert "gate zoo" in page.locator("h1").first.inner_text().lower()
    assert "SwiGLU" in page.locator("main").inner_text()
    assert not watcher.problems(), "\n".join(watcher.problems())


def test_each_launch_button_opens_its_notebook_on_binder(site_url, new_page):
    assert LAUNCH, "README has no Binder link"
    page, watcher = new_page()
    for p in NOTEBOOKS:
        page.goto(f"{site_url}/notebooks/{p.stem}.html", wait_until="load")
        page.locator(".dropdown-launch-buttons button").first.click()
        link = page.locator('.dropdown-launch-buttons a[href^="https://mybinder.org/"]')
        link.first.wait_for(state="visible")
        assert link.count() == 1
        assert link.get_attribute("href") == f"{LAUNCH.group(1)}?urlpath=lab/tree/notebooks/{p.name}"
        download = page.locator('a[href$=".ipynb"]:not([href^="https:"])')
        assert download.count() >= 1 and download.first.get_attribute("href").endswith(f"_sources/notebooks/{p.name}")
    assert not watcher.problems(), "\n".join(watcher.problems())


def test_every_figure_is_painted_and_math_is_typeset(site_url, new_page):
    page, watcher = new_page()
    figures = typeset = 0
    for p in NOTEBOOKS:
        page.goto(f"{site_url}/notebooks/{p.stem}.html", wait_until="load")
        images = page.locator('img[src*="_images/"]')
        for i in range(images.count()):
            images.nth(i).scroll_into_view_if_needed()
        page.wait_for_function("[...document.images].every(i => i.complete)")
        bad = [b for b in images.evaluate_all(PAINTED) if b]
        assert not bad, f"{p.stem}: {bad}"
        figures += images.count()
        math = page.locator(".math")
        if math.count():
            page.wait_for_function(
                "document.querySelectorAll('.math').length === document.querySelectorAll('.math mjx-container').length",
                timeout=TYPESET_TIMEOUT_MS)
            assert page.locator("mjx-merror").count() == 0, f"{p.stem}: MathJax reports an error"
            assert page.evaluate("typeof MathJax !== 'undefined' && !!MathJax.startup")
            typeset += math.count()
    assert figures >= len(NOTEBOOKS), f"only {figures} figures in the course"
    assert typeset > 0, "no math typeset anywhere"
    assert not watcher.problems(), "\n".join(watcher.problems())
