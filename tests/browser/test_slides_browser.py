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


MIN_ZOOM = 0.5  # a slide shrunk further than this would not read on a projector


def test_no_slide_of_any_deck_overflows_its_frame(slides_url, new_page, screenshots):
    """Every slide and sub-slide of every deck, shown one after another at 1280x720: each lies
    inside the window, shrunk (if at all) no further than MIN_ZOOM, and no checker is shown."""
    page, watcher = new_page(width=1280, height=720)
    problems = []
    for name in slide_decks():
        stem = next((ROOT / "notebooks").glob(f"{name}*.ipynb")).stem
        page.goto(f"{slides_url}/{stem}.slides.html", wait_until="load")
        page.wait_for_function("document.documentElement.dataset.gluFitted === '1'", timeout=120_000)
        leaves = page.evaluate("[...document.querySelectorAll('.reveal .slides section')]"
                               ".filter(s => !s.querySelector('section')).length")
        assert leaves >= 8, f"{stem}: only {leaves} slides: the deck is not cut"
        assert "check_" not in page.locator(".reveal .slides").inner_text(), f"{stem} shows a checker"
        for i in range(leaves):
            box = page.evaluate("""() => { const s = [...document.querySelectorAll('.reveal .slides section.present')]
                                   .filter(s => !s.querySelector('section'))[0];
                const r = s.getBoundingClientRect();
                return {top: r.top, bottom: r.bottom, left: r.left, right: r.right,
                        zoom: parseFloat(s.dataset.gluZoom || '1'), text: s.innerText.slice(0, 60)}; }""")
            where = f"{stem} slide {i + 1} of {leaves} ({box['text']!r})"
            if box["top"] < -1 or box["bottom"] > 721 or box["left"] < -1 or box["right"] > 1281:
                problems.append(f"{where} overflows: {box}")
                page.screenshot(path=screenshots / f"slide-overflow-{stem}-{i + 1}.png")
            if box["zoom"] < MIN_ZOOM:
                problems.append(f"{where} is shrunk to {box['zoom']:.2f}")
            if i < leaves - 1:
                page.keyboard.press("Space")  # the next slide, sub-slides included
                page.wait_for_timeout(150)
        page.screenshot(path=screenshots / f"slides-{stem}-last.png")
    assert not problems, "\n".join(problems)
    assert not watcher.problems(), "\n".join(watcher.problems())
