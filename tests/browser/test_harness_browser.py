"""The browser harness itself: when Chromium dies in a test, that test says so in words and
the next one gets a fresh browser."""

import pytest

from conftest import browser_death

pytestmark = [pytest.mark.browser]


def test_a_dead_chromium_is_explained_and_launched_again(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<p>alive</p>")
    launches, deaths = browser.launches, len(browser.deaths)
    browser.chromium.close()  # what a crash or the out-of-memory killer does to the test
    with pytest.raises(Exception) as dead:
        page.set_content("<p>too late</p>")
    why = browser_death(dead.type, dead.value, browser)
    assert why and "Chromium closed during this test" in why and "fresh Chromium" in why, (dead.type, why)
    assert len(browser.deaths) == deaths + 1 and "disconnected" in why
    fresh = browser.new_context()  # the next test's page: a new browser
    assert browser.launches == launches + 1
    page = fresh.new_page()
    page.set_content("<p id=x>alive again</p>")
    assert page.locator("#x").inner_text() == "alive again"
    fresh.close()


def test_other_failures_are_not_blamed_on_the_browser(browser):
    assert browser_death(AssertionError, AssertionError("readouts disagree"), browser) is None
    assert browser_death(TimeoutError, TimeoutError("Timeout 30000ms exceeded"), browser) is None
