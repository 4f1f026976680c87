"""Analyze and score ads with the one shared implementation, ``models.chain.score_records``.

Scoring one ad at a time wastes spaCy's batching, so items are collected into
small batches (``SIGNAAL_SCORE_BATCH``, or whatever arrived within 200 ms).
Batches are scored in a separate worker process, not a thread: analyze is
CPU-bound Python that holds the GIL, and in a thread it stalled the reactor
(downloads, parsing, evidence) for the whole batch. In a process it runs on the
second core while the reactor keeps crawling. Each item awaits its own result,
so ids and order are untouched, and the worker holds no crawl state (only spaCy's,
rebuilt every ``SIGNAAL_SCORE_NLP_RELOAD_ADS`` ads): a crawl killed with ``kill -9``
resumes exactly as before (the worker notices its parent is gone and exits).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.malloc import release_free_heap, tune_malloc

log = logging.getLogger(__name__)
MAX_WAIT_S = 0.2  # a fuller batch is cheaper to analyze; a crawl does not need low latency
PARENT_CHECK_S = 1.0


def _watch_parent(parent: int) -> None:
    """Exit when the crawler is gone: a ``kill -9``'d crawler cannot shut its pool down."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


_reload_ads = 0  # worker process: rebuild the spaCy pipelines after this many ads (0 = never) ...
_ads_since_reload = 0  # ... counted here


def _init_worker(parent: int, reload_ads: int) -> None:
    global _reload_ads
    _reload_ads = reload_ads
    tune_malloc()  # same glibc settings as the crawler process (crawler.malloc)
    # Ctrl-C goes to the whole process group; the crawler stops cleanly and shuts the pool down itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="parent-watch").start()
    # Load the language pipelines now, while the crawler is still fetching its first pages, not when
    # the first batch arrives (items would queue behind the load and stall the downloads).
    import models  # noqa: F401
    from nlp.pipeline import load_all

    load_all()


def _started() -> None:
    """A no-op task: submitting it makes the pool start its worker (and run _init_worker) right away."""


def score_batch(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    """Runs in the worker process; also says whether it rebuilt the pipelines first."""
    from models.chain import score_records

    global _ads_since_reload
    reload = bool(_reload_ads) and _ads_since_reload >= _reload_ads
    if reload:
        from nlp.pipeline import reload_all

        reload_all()
        release_free_heap()  # the old pipelines' heap, which glibc would otherwise keep
        _ads_since_reload = 0
    _ads_since_reload += len(records)
    return list(score_records(records)), reload


class ScoringPipeline:
    def __init__(self, stats: StatsCollector, batch_size: int, reload_ads: int = 0) -> None:
        self.stats = stats
        self.batch_size = batch_size
        # One worker process for the whole crawl, its spaCy state rebuilt every ``reload_ads`` ads.
        # Replacing the process instead (a new ProcessPoolExecutor with its own manager and queue
        # threads, hence malloc arenas, and pipes) left the crawler process bigger each time: +13.5
        # MiB per 10,000 ads when replaced every 1,000 ads, +0.5 MiB with a reload every 1,000.
        # (Nor ProcessPoolExecutor's max_tasks_per_child: on Python 3.11 it deadlocks when the worker
        # retires with work queued.)
        self.reload_ads = reload_ads
        self._batch: list[tuple[dict[str, Any], asyncio.Future[dict[str, Any]]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._retiring: list[threading.Thread] = []
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScoringPipeline:
        if not crawler.settings.getbool("SIGNAAL_SCORE"):
            raise NotConfigured("SIGNAAL_SCORE is off (signaal crawl --no-score): ads are not analyzed or scored")
        s = crawler.settings
        assert crawler.stats is not None
        return cls(crawler.stats, s.getint("SIGNAAL_SCORE_BATCH"), s.getint("SIGNAAL_SCORE_NLP_RELOAD_ADS"))

    def _new_pool(self) -> ProcessPoolExecutor:
        """A pool of one worker, started now (the no-op task makes it spawn and load spaCy)."""
        # spawn, not fork: forking a process that runs a reactor and threads is unsafe.
        ctx = multiprocessing.get_context("spawn")
        init = (os.getpid(), self.reload_ads)
        pool = ProcessPoolExecutor(1, mp_context=ctx, initializer=_init_worker, initargs=init)
        pool.submit(_started)
        return pool

    def _retire(self, pool: ProcessPoolExecutor) -> None:
        """Shut a dead worker's pool down completely (threads, pipes, process joined), off the reactor."""
        thread = threading.Thread(target=pool.shutdown, kwargs={"wait": True}, name="scoring-retire", daemon=True)
        thread.start()
        self._retiring = [t for t in self._retiring if t.is_alive()] + [thread]

    def open_spider(self) -> None:
        self._pool = self._new_pool()

    async def close_spider(self) -> None:
        self._flush_soon()
        await asyncio.gather(*self._tasks)
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        for thread in self._retiring:
            thread.join()

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._batch.append((item, future))
        if len(self._batch) >= self.batch_size:
            self._flush_soon()
        elif self._timer is None:
            self._timer = loop.call_later(MAX_WAIT_S, self._flush_soon)
        return await future

    def _flush_soon(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._batch = self._batch, []
        if batch:
            task = asyncio.get_running_loop().create_task(self._run(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _score(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Score in the worker; a worker that died (e.g. killed by the OS) is replaced once."""
        assert self._pool is not None
        loop = asyncio.get_running_loop()
        pool = self._pool
        try:
            scored, reloaded = await loop.run_in_executor(pool, score_batch, records)
        except BrokenProcessPool:
            log.warning("scoring worker died; starting a new one and retrying %d ads", len(records))
            if self._pool is pool:  # not already replaced for a batch that failed alongside this one
                self._retire(pool)
                self._pool = self._new_pool()
                self.stats.inc_value("signaal/score/worker_restarted")
            scored, reloaded = await loop.run_in_executor(self._pool, score_batch, records)
        if reloaded:
            self.stats.inc_value("signaal/score/nlp_reloaded")
        return scored

    async def _run(self, batch: list[tuple[dict[str, Any], asyncio.Future[dict[str, Any]]]]) -> None:
        try:
            scored = await self._score([item for item, _ in batch])
        except Exception as exc:
            self.stats.inc_value("signaal/score/errors", len(batch))
            log.exception("scoring a batch of %d ads failed", len(batch))
            for _, fut in batch:
                fut.set_exception(exc)
            return
        self.stats.inc_value("signaal/score/ads", len(batch))
        for (_, fut), out in zip(batch, scored, strict=True):
            fut.set_result(out)
