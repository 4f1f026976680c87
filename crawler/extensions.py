"""Crawl-wide extensions: progress reports and a memory guard that counts the browser too.

Scrapy's MEMUSAGE extension measures only the Python process, but Chromium
runs in child processes that can grow far larger; this guard sums the resident
memory of the crawler and all its descendants and stops the crawl cleanly
(resumable) when the limit is crossed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from typing import Any

import psutil
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import _schedule_coro
from twisted.internet import task

from crawler.malloc import release_free_heap

log = logging.getLogger(__name__)
ERROR_PREFIX = "signaal/crawl/errors/"


def summarise(stats: dict[str, Any], elapsed: float) -> dict[str, Any]:
    """The numbers an operator wants: pages, pages/s, ads, errors by kind."""
    pages = int(stats.get("response_received_count", 0))
    ads = int(stats.get("signaal/crawl/ads", 0))
    errors = {k.removeprefix(ERROR_PREFIX): v for k, v in stats.items() if k.startswith(ERROR_PREFIX)}
    return {
        "pages": pages,
        "pages_per_s": round(pages / elapsed, 1) if elapsed > 0 else 0.0,
        "ads": ads,
        "ads_per_s": round(ads / elapsed, 1) if elapsed > 0 else 0.0,
        "errors": dict(sorted(errors.items())),
        "retries": int(stats.get("retry/count", 0)),
    }


class ProgressExtension:
    """Log pages/s, ads and errors by kind every SIGNAAL_PROGRESS_INTERVAL seconds; a summary at the end."""

    def __init__(self, stats: StatsCollector, interval: float) -> None:
        self.stats = stats
        self.interval = interval
        self.started = time.monotonic()
        self.last_pages = 0
        self.last_time = self.started
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressExtension:
        interval = crawler.settings.getfloat("SIGNAAL_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured("SIGNAAL_PROGRESS_INTERVAL is 0")
        assert crawler.stats is not None
        ext = cls(crawler.stats, interval)
        crawler.signals.connect(ext.opened, signals.spider_opened)
        crawler.signals.connect(ext.closed, signals.spider_closed)
        return ext

    def opened(self) -> None:
        self.started = self.last_time = time.monotonic()
        self.loop = task.LoopingCall(self.report)
        self.loop.start(self.interval, now=False)

    def report(self) -> None:
        stats = self.stats.get_stats()
        now = time.monotonic()
        pages = int(stats.get("response_received_count", 0))
        rate = (pages - self.last_pages) / max(now - self.last_time, 1e-9)
        self.last_pages, self.last_time = pages, now
        s = summarise(stats, now - self.started)
        log.info("progress: %d pages (%.1f/s now), %d ads, errors %s", pages, rate, s["ads"], s["errors"] or "none")

    def closed(self, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        s = summarise(self.stats.get_stats(), time.monotonic() - self.started)
        for key, value in s.items():
            if key != "errors":
                self.stats.set_value(f"signaal/summary/{key}", value)
        log.info("summary (%s): %s", reason, s)


def process_memory(proc: Any) -> int:
    """PSS (shared pages split between sharers): Chromium's many processes share most of their pages,
    so summing RSS would count the same memory several times over."""
    try:
        return int(proc.memory_full_info().pss)
    except (AttributeError, OSError):
        return int(proc.memory_info().rss)


def tree_rss(pid: int | None = None) -> int:
    """Memory of a process and all its descendants (the browser runs in child processes)."""
    proc = psutil.Process(pid or os.getpid())
    total = process_memory(proc)
    for child in proc.children(recursive=True):
        try:
            total += process_memory(child)
        except psutil.Error:
            continue
    return total


class HeapTrimExtension:
    """Hand free heap pages back to the OS every SIGNAAL_HEAP_TRIM_S seconds (``malloc_trim``, in a thread:
    ~1 ms per 10 MiB of fragmented heap). See crawler.malloc for why a long crawl needs it."""

    def __init__(self, every_s: float) -> None:
        self.every_s = every_s
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HeapTrimExtension:
        every_s = crawler.settings.getfloat("SIGNAAL_HEAP_TRIM_S")
        if every_s <= 0:
            raise NotConfigured("SIGNAAL_HEAP_TRIM_S is 0")
        ext = cls(every_s)
        crawler.signals.connect(ext.opened, signals.spider_opened)
        crawler.signals.connect(ext.closed, signals.spider_closed)
        return ext

    def opened(self) -> None:
        self.loop = task.LoopingCall(lambda: asyncio.ensure_future(asyncio.to_thread(release_free_heap)))
        self.loop.start(self.every_s, now=False)

    def closed(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()


class MemoryGuardExtension:
    """Stop the crawl (resumably) when crawler + browser memory exceeds SIGNAAL_MEMORY_LIMIT_MB."""

    def __init__(self, stats: StatsCollector, limit_mb: int, every_s: float, stop: Callable[[str], None]) -> None:
        self.stats = stats
        self.stop = stop
        self.limit = limit_mb * 1024 * 1024
        self.every_s = every_s
        self.peak = 0
        self.loop: task.LoopingCall | None = None
        self._measuring: asyncio.Future[int] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MemoryGuardExtension:
        limit = crawler.settings.getint("SIGNAAL_MEMORY_LIMIT_MB")
        if limit <= 0:
            raise NotConfigured("SIGNAAL_MEMORY_LIMIT_MB is 0")

        def stop(reason: str) -> None:
            if crawler.engine is not None:
                _schedule_coro(crawler.engine.close_spider_async(reason=reason))

        assert crawler.stats is not None
        ext = cls(crawler.stats, limit, crawler.settings.getfloat("SIGNAAL_MEMORY_CHECK_S"), stop)
        crawler.signals.connect(ext.opened, signals.spider_opened)
        crawler.signals.connect(ext.closed, signals.spider_closed)
        return ext

    def opened(self) -> None:
        self.loop = task.LoopingCall(self.check)
        self.loop.start(self.every_s, now=True)

    def check(self) -> None:
        """Measure in a thread: reading PSS makes the kernel walk every mapping of every process in the
        tree (milliseconds), which would otherwise stall the crawl's event loop every few seconds."""
        if self._measuring is None or self._measuring.done():
            self._measuring = asyncio.ensure_future(asyncio.to_thread(tree_rss))
            self._measuring.add_done_callback(self._measured)

    def _measured(self, done: asyncio.Future[int]) -> None:
        if done.cancelled() or done.exception() is not None:
            log.warning("memory guard could not measure: %s", done.exception() if not done.cancelled() else "cancelled")
            return
        rss = done.result()
        self.peak = max(self.peak, rss)
        self.stats.max_value("signaal/memory/peak_mb", round(rss / 2**20, 1))
        if rss > self.limit:
            self.stats.set_value("signaal/memory/limit_hit", True)
            log.error(
                "memory %.0f MiB (crawler + browser) exceeds %.0f MiB: stopping, re-run to resume",
                rss / 2**20,
                self.limit / 2**20,
            )
            if self.loop is not None and self.loop.running:
                self.loop.stop()
            self.stop("signaal_memory_limit")

    def closed(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
