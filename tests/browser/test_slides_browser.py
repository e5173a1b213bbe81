"""`make slides`'s decks in headless Chromium, served from 127.0.0.1: reveal.js starts on the
title slide without a console error or an outside request, the arrow key moves on, and MathJax
typesets a deck's formulas."""

import re

import pytest

from site_build import ROOT, StaticServer, build_slides, slide_decks

pytestmark = [pytest.mark.browser, pytest.mark.notebook, pytest.mark.slow]


@pytest.fixture(scope="module")
def slides_url(browser, tmp_path_factory):
    with StaticServer(build_slides(tmp_path_factory.getbasetemp())) as server:
        yield server.url


def test_each_deck_starts_moves_on_and_typesets_its_math(slides_url, new_page):
    page, watcher = new_page(width=1280, height=800)
    typeset = 0
    for name in slide_decks():
        stem = next((ROOT / "notebooks").glob(f"{name}*.ipynb")).stem
        page.goto(f"{slides_url}/{stem}.slides.html", wait_until="load")
        # reveal.js is loaded through RequireJS (no global): read its state from the page
        page.wait_for_function("document.querySelector('.reveal.ready') !== null", timeout=60_000)
        present = "[...document.querySelectorAll('.reveal .slides > section')].findIndex(s => s.classList.contains('present'))"
        assert page.evaluate(present) == 0
        title = page.locator(".reveal .slides > section.present h1").first
        assert re.match(r"\d\d · ", title.text_content()), title.text_content()
        total = page.evaluate("document.querySelectorAll('.reveal .slides > section').length")
        assert total >= 3, f"{stem}: {total} slides"
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"{present} === 1", timeout=10_000)
        page.wait_for_function("window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0 "
                               "&& MathJax.Hub.queue.running === 0", timeout=60_000)
        typeset += page.locator(".MathJax_CHTML").count()
        assert page.locator(".MathJax_CHTML merror, .MathJax_Error").count() == 0
    assert typeset > 0, "no formula typeset in any deck"
    assert not watcher.problems(), "\n".join(watcher.problems())
