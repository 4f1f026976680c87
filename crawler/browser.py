"""How the crawler drives chromium for JavaScript sites: settings, what not to load, waiting, closing pages.

A rendered page's CPU goes to chromium's browser process (creating the page,
routing its requests), its renderer (building the DOM), Playwright's driver and
the crawler process (measured in docs/crawler.md, "Browser cost"). So the crawler

* runs Debian's ``chromium-headless-shell`` when it is installed (the lean old
  headless mode; the full browser's new headless mode builds a browser window per
  page and costs about twice the CPU), with launch flags that share renderer
  processes and keep images out of the browser (signaal/chromium.py);
* aborts images, fonts and media that are requested anyway: they are not needed
  to read an ad, and images are fetched (once, with hashes and WARC evidence)
  by the image pipeline instead;
* waits for content with a MutationObserver in the page (``wait_for_css``)
  rather than Playwright's ``wait_for_selector``, which injects its selector
  engine into every new document (~30 ms of CPU per page);
* renders up to ``politeness.concurrency`` pages at once in one context.

Pages are not reused: every callback and errback closes its page (never the
context first), so a broken page never leaks into the next request.
The download handler is crawler.browser_handler.PlaywrightHandler (a fix for
scrapy-playwright's browser restart).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from crawler.config import SiteConfig
from signaal.chromium import CRAWLER_LAUNCH_ARGS, crawler_executable

log = logging.getLogger(__name__)
BLOCKED_RESOURCE_TYPES = frozenset({"image", "font", "media"})

# Resolves once `selector` matches (checked on every DOM mutation), rejects after `timeout` ms.
_WAIT_FOR_CSS_JS = """([selector, timeout]) => new Promise((resolve, reject) => {
  if (document.querySelector(selector)) { resolve(true); return; }
  const observer = new MutationObserver(() => {
    if (document.querySelector(selector)) { observer.disconnect(); clearTimeout(timer); resolve(true); }
  });
  const timer = setTimeout(() => {
    observer.disconnect();
    reject(new Error("timeout: " + timeout + " ms waiting for " + selector));
  }, timeout);
  observer.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
})"""


def should_abort(request: Any) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST predicate."""
    return request.resource_type in BLOCKED_RESOURCE_TYPES


async def wait_for_css(page: Any, selector: str, timeout: float = 10_000) -> None:
    """Wait until ``selector`` matches in the page (a MutationObserver, no injected selector engine).

    A page whose script hangs the renderer never runs the timer, so the wait is
    also bounded here; both ways raise, and the request is retried like a
    navigation timeout.
    """
    try:
        await asyncio.wait_for(page.evaluate(_WAIT_FOR_CSS_JS, [selector, timeout]), timeout / 1000 + 5)
    except TimeoutError:
        raise TimeoutError(f"timeout: {timeout:.0f} ms waiting for {selector}") from None


# Wait steps the site YAML may name besides Playwright's own page methods.
PAGE_STEPS = {"wait_for_css": wait_for_css}


def browser_settings(site: SiteConfig) -> dict[str, Any]:
    """scrapy-playwright settings for a ``render: browser`` site."""
    handler = "crawler.browser_handler.PlaywrightHandler"
    return {
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": crawler_executable(),
            "headless": True,
            "args": CRAWLER_LAUNCH_ARGS,
        },
        # One context, every page in it: a context per request costs a browser-process round of set-up.
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": site.politeness.concurrency,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": site.limits.timeout_s * 1000,
        "PLAYWRIGHT_ABORT_REQUEST": "crawler.browser.should_abort",
        "PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER": True,
    }


async def close_page(meta: dict[str, Any]) -> None:
    """Close the request's page (never its context first); a crashed browser's page is already gone."""
    page = meta.pop("playwright_page", None)
    if page is None:
        return
    with contextlib.suppress(Exception):
        await page.close()
