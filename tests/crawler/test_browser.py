"""The crawler's browser: the launch it uses, and wait_for_css resolving on a DOM change or timing out."""

from __future__ import annotations

import asyncio
import time

import pytest

from crawler.browser import browser_settings, wait_for_css
from crawler.config import load_site
from signaal.chromium import CRAWLER_LAUNCH_ARGS, crawler_executable
from tests.helpers import DEADLINE_S, POLL_S


def test_browser_settings_follow_the_site_and_block_images():
    site = load_site("vitrine")
    settings = browser_settings(site)
    assert settings["PLAYWRIGHT_MAX_PAGES_PER_CONTEXT"] == site.politeness.concurrency
    assert settings["PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT"] == site.limits.timeout_s * 1000
    assert settings["PLAYWRIGHT_LAUNCH_OPTIONS"]["executable_path"] == crawler_executable()
    assert "--blink-settings=imagesEnabled=false" in settings["PLAYWRIGHT_LAUNCH_OPTIONS"]["args"]


# Counts the page's querySelector calls: wait_for_css makes its first one in the same synchronous step that
# starts its MutationObserver, so a count >= 1 tells the test that the wait is in place.
COUNT_QUERIES = """() => {
  window.queries = 0;
  const original = Document.prototype.querySelector;
  document.querySelector = function (selector) { window.queries += 1; return original.call(this, selector); };
}"""
READY = "body[data-ready='1']"


async def _wait_cases() -> tuple[bool, float, str]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=crawler_executable(), args=CRAWLER_LAUNCH_ARGS)
        try:
            page = await browser.new_page()
            await page.set_content("<body><p>still loading</p></body>")
            await page.evaluate(COUNT_QUERIES)
            # A timeout longer than the test may take: only the DOM change can end this wait.
            waiting = asyncio.create_task(wait_for_css(page, READY, timeout=DEADLINE_S * 1000))
            deadline = asyncio.get_running_loop().time() + DEADLINE_S
            while not await page.evaluate("window.queries") and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(POLL_S)
            assert await page.evaluate("window.queries"), "wait_for_css never looked at the page"
            pending_before_change = not waiting.done()
            await page.evaluate("document.body.dataset.ready = '1'")
            await waiting
            # Nothing ever sets it: the wait fails after its timeout, with a message naming the selector.
            await page.set_content("<body><p>still loading</p></body>")
            started = time.monotonic()
            try:
                await wait_for_css(page, READY, timeout=300)
                message = ""
            except Exception as exc:
                message = str(exc)
            waited = time.monotonic() - started
        finally:
            await browser.close()
    return pending_before_change, waited, message


@pytest.mark.browser
def test_wait_for_css_resolves_on_mutation_and_times_out_otherwise():
    pending_before_change, waited, message = asyncio.run(_wait_cases())
    assert pending_before_change
    assert "timeout" in message and "data-ready" in message
    assert waited >= 0.3  # never gives up early (a lower bound only: a busy machine makes it longer, not shorter)
