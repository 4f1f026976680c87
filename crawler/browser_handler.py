"""scrapy-playwright's download handler, hardened against a browser that dies mid-crawl.

Two failure modes of scrapy-playwright 0.0.48 were seen when the browser is
killed in the middle of a crawl (tests/crawler/test_crawl_vitrine.py does that),
each stalling the crawl forever with a few requests in flight:

* requests waiting for a page slot of the dead context were never woken: the
  handler drops that context's semaphore, and the pages they wait for release
  the semaphore of whatever context now has the same name;
* ``context.new_page()`` sent while the browser was going down sometimes never
  returns (the driver neither answers nor rejects the call).

So the slot waiters of a dead browser are released (each then fails with
TargetClosedError and scrapy-playwright retries it in the relaunched browser),
and every browser download (page creation, navigation, wait steps, reading the
DOM) has an overall deadline of twice DOWNLOAD_TIMEOUT, after which its page is
closed and it fails with ``BrowserDownloadTimeoutError`` (a TimeoutError, so Scrapy
retries it and counts it as ``timeout``). scrapy-playwright applies neither
DOWNLOAD_TIMEOUT nor any overall limit itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from scrapy import Request
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler


class BrowserDownloadTimeoutError(TimeoutError):
    """A browser download did not finish within its overall deadline."""


class PlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """The stock handler, plus an overall deadline per download and slot waiters released on a crash."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.deadline_s = 2 * crawler.settings.getfloat("DOWNLOAD_TIMEOUT")
        # A slot waiter is a download in flight: at most CONCURRENT_REQUESTS of them.
        self.max_waiters = crawler.settings.getint("CONCURRENT_REQUESTS")

    async def _download_request(self, request: Request, spider: Any = None) -> Any:
        try:
            return await asyncio.wait_for(super()._download_request(request, spider), self.deadline_s)
        except TimeoutError:
            page = request.meta.pop("playwright_page", None)
            if page is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(page.close(), 5)
            raise BrowserDownloadTimeoutError(
                f"browser download of {request.url} took longer than {self.deadline_s:.0f} s"
            ) from None

    async def _browser_disconnected_callback(self) -> None:
        dead = list(self.context_wrappers.values())
        await super()._browser_disconnected_callback()
        for wrapper in dead:  # extra releases are harmless: nothing acquires a dead context's slots again
            for _ in range(self.max_waiters):
                wrapper.semaphore.release()
