"""Analyze and score ads with the one shared implementation, ``signaal.scoring.score_records``.

Scoring one ad at a time wastes spaCy's batching, so items are collected into
small batches (``SIGNAAL_SCORE_BATCH``, or whatever arrived within 50 ms) and
scored in a worker thread while the reactor keeps downloading.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

log = logging.getLogger(__name__)
MAX_WAIT_S = 0.05


class ScoringPipeline:
    def __init__(self, crawler: Crawler, batch_size: int) -> None:
        self.crawler = crawler
        self.batch_size = batch_size
        self._batch: list[tuple[dict[str, Any], asyncio.Future[dict[str, Any]]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._lock: asyncio.Lock | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScoringPipeline:
        if not crawler.settings.getbool("SIGNAAL_SCORE"):
            raise NotConfigured("SIGNAAL_SCORE is off (signaal crawl --no-score): ads are not analyzed or scored")
        return cls(crawler, crawler.settings.getint("SIGNAAL_SCORE_BATCH"))

    def open_spider(self) -> None:
        from signaal.scoring import score_records

        self._score = score_records
        self._lock = asyncio.Lock()

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._batch.append((item, future))
        if len(self._batch) >= self.batch_size:
            self._flush_soon(0)
        elif self._timer is None:
            self._timer = loop.call_later(MAX_WAIT_S, self._flush_soon, 0)
        return await future

    def _flush_soon(self, _: int) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._batch = self._batch, []
        if batch:
            asyncio.get_running_loop().create_task(self._run(batch))

    async def _run(self, batch: list[tuple[dict[str, Any], asyncio.Future[dict[str, Any]]]]) -> None:
        assert self._lock is not None and self.crawler.stats is not None
        records = [item for item, _ in batch]
        async with self._lock:  # one scoring thread at a time: spaCy models are not shared across threads
            try:
                scored = await asyncio.to_thread(lambda: list(self._score(records)))
            except Exception as exc:
                self.crawler.stats.inc_value("signaal/score/errors", len(batch))
                log.exception("scoring a batch of %d ads failed", len(batch))
                for _, fut in batch:
                    fut.set_exception(exc)
                return
        self.crawler.stats.inc_value("signaal/score/ads", len(batch))
        for (_, fut), out in zip(batch, scored, strict=True):
            fut.set_result(out)
