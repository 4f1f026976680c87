"""The crawler's browser: the launch it uses, and wait_for_css resolving on a DOM change or timing out."""

from __future__ import annotations

import asyncio
import time

import pytest

from crawler.browser import browser_settings, wait_for_css
from crawler.config import load_site
from signaal.chromium import CRAWLER_LAUNCH_ARGS, crawler_executable


def test_browser_settings_follow_the_site_and_block_images():
    site = load_site("vitrine")
    settings = browser_settings(site)
    assert settings["PLAYWRIGHT_MAX_PAGES_PER_CONTEXT"] == site.politeness.concurrency
    assert settings["PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT"] == site.limits.timeout_s * 1000
    assert settings["PLAYWRIGHT_LAUNCH_OPTIONS"]["executable_path"] == crawler_executable()
    assert "--blink-settings=imagesEnabled=false" in settings["PLAYWRIGHT_LAUNCH_OPTIONS"]["args"]


async def _wait_cases() -> tuple[float, float, str]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=crawler_executable(), args=CRAWLER_LAUNCH_ARGS)
        page = await browser.new_page()
        # The attribute appears 200 ms after the page loaded: the wait resolves then, not at its timeout.
        await page.set_content(
            "<body><script>setTimeout(() => { document.body.dataset.ready = '1'; }, 200)</script></body>"
        )
        started = time.monotonic()
        await wait_for_css(page, "body[data-ready='1']", timeout=5000)
        resolved = time.monotonic() - started
        # Nothing ever sets it: the wait fails after its timeout with a message naming the selector.
        await page.set_content("<body><p>still loading</p></body>")
        started = time.monotonic()
        try:
            await wait_for_css(page, "body[data-ready='1']", timeout=300)
            message = ""
        except Exception as exc:
            message = str(exc)
        timed_out = time.monotonic() - started
        await page.close()
        await browser.close()
    return resolved, timed_out, message


@pytest.mark.browser
def test_wait_for_css_resolves_on_mutation_and_times_out_otherwise():
    resolved, timed_out, message = asyncio.run(_wait_cases())
    assert 0.15 <= resolved < 4.0
    assert "timeout" in message and "data-ready" in message
    assert 0.25 <= timed_out < 4.0
