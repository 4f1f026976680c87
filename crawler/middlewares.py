"""Downloader middlewares: stay inside the site, back off between retries, cap browser page size.

Scrapy's OffsiteMiddleware compares host names only, but the fixture sites
share 127.0.0.1 and differ by port, so the guard here compares whole origins.
scrapy-playwright ignores DOWNLOAD_MAXSIZE, so rendered pages are capped here.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import StatsCollector

from crawler.browser import close_page

log = logging.getLogger(__name__)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{parts.hostname}:{port}"


class OffsiteRequest(IgnoreRequest):
    """A request left the configured origins (a link or a redirect to elsewhere)."""


class OversizedResponse(IgnoreRequest):
    """A rendered page exceeded the site's size cap."""


class OriginGuardMiddleware:
    """Drop any request whose scheme://host:port is not one of the spider's allowed origins."""

    def __init__(self, stats: StatsCollector, origins: frozenset[str] | set[str] | None) -> None:
        self.stats = stats
        self.origins = origins

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OriginGuardMiddleware:
        assert crawler.stats is not None
        return cls(crawler.stats, getattr(crawler.spider, "origins", None))

    def process_request(self, request: Request) -> None:
        origins = self.origins
        if not origins or request.url.startswith(("data:", "about:")):
            return
        if origin_of(request.url) not in origins:
            self.stats.inc_value("signaal/crawl/offsite")
            raise OffsiteRequest(f"offsite: {request.url}")


class RetryBackoffMiddleware:
    """Wait base * 2^(n-1) seconds (capped) before the n-th retry of a request.

    Scrapy's retry middleware re-schedules at once, which hammers a site that is
    failing under load; the wait happens before the retry enters the downloader.
    """

    def __init__(self, base_s: float, max_s: float) -> None:
        self.base_s = base_s
        self.max_s = max_s

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryBackoffMiddleware:
        s = crawler.settings
        return cls(s.getfloat("SIGNAAL_RETRY_BACKOFF_BASE_S"), s.getfloat("SIGNAAL_RETRY_BACKOFF_MAX_S"))

    def delay(self, retry_times: int) -> float:
        return 0.0 if retry_times <= 0 else min(self.max_s, self.base_s * 2 ** (retry_times - 1))

    async def process_request(self, request: Request) -> None:
        # Scrapy counts HTTP-level retries in retry_times; the spider counts pages fetched again because
        # their content was not ready in signaal_retries (crawler.spiders.ads).
        wait = self.delay(int(request.meta.get("retry_times", 0)) + int(request.meta.get("signaal_retries", 0)))
        if wait:
            await asyncio.sleep(wait)


class BrowserSizeCapMiddleware:
    """Refuse rendered pages above the cap (``download_maxsize`` meta, else DOWNLOAD_MAXSIZE)."""

    def __init__(self, stats: StatsCollector, default_max: int) -> None:
        self.stats = stats
        self.default_max = default_max

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserSizeCapMiddleware:
        assert crawler.stats is not None
        return cls(crawler.stats, crawler.settings.getint("DOWNLOAD_MAXSIZE"))

    async def process_response(self, request: Request, response: Response) -> Response:
        if not request.meta.get("playwright"):
            return response
        cap = int(request.meta.get("download_maxsize", self.default_max))
        if cap and len(response.body) > cap:
            await close_page(response.meta)
            self.stats.inc_value("signaal/crawl/oversized")
            raise OversizedResponse(f"rendered page of {len(response.body)} bytes exceeds {cap}: {request.url}")
        return response


def error_kind(exc: Any) -> str:
    """A short, stable name for why a request failed (stats key and state-store error)."""

    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    if isinstance(exc, OffsiteRequest):
        return "offsite"
    if isinstance(exc, OversizedResponse):
        return "oversized"
    name = type(exc).__name__
    text = str(exc).lower()
    if isinstance(exc, IgnoreRequest):
        if "robots.txt" in text:
            return "robots_txt"
        return "redirect_loop" if "redirect" in text else "ignored"
    if "maxsize" in text or "warnsize" in text or "exceeds" in text or name == "DownloadCancelledError":
        return "oversized"
    if "timeout" in name.lower() or "timeout" in text or "timed out" in text:
        return "timeout"
    if "dataloss" in name.lower() or "ResponseNeverReceived" in name or "PartialDownload" in name:
        return "truncated"
    if "Connection" in name or "Connect" in name:
        return "connection"
    if type(exc).__module__.startswith("playwright"):
        return "browser"
    return name.lower()
