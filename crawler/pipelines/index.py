"""Bulk-index scored ads into Elasticsearch through ``indexing.index_ads``, never losing one.

Every ad is first appended to a local spool file (flushed to the OS, so it
survives ``kill -9``); batches are sent in a worker thread; a spool file is
deleted only after its batch was indexed. When Elasticsearch is down the spool
files stay and are replayed on the next flush attempt or the next crawl. The
indexer upserts by ad id, so replaying a batch twice duplicates nothing.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import IO, Any

import orjson
from elasticsearch import Elasticsearch
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from indexing.indexer import index_ads
from signaal.es.client import get_client
from signaal.paths import crawl_dir
from signaal.settings import get_settings

log = logging.getLogger(__name__)


class Spool:
    """Numbered JSON Lines files: one open file for the batch being collected, older ones awaiting ES."""

    def __init__(self, directory: Path, name: str) -> None:
        self.directory = directory
        self.name = name
        directory.mkdir(parents=True, exist_ok=True)
        self._fh: IO[bytes] | None = None
        self._path: Path | None = None
        self.count = 0

    def _files(self) -> list[Path]:
        return sorted(self.directory.glob(f"{self.name}-*.jsonl"))

    def append(self, doc: dict[str, Any]) -> None:
        if self._fh is None:
            existing = self._files()
            serial = int(existing[-1].stem.rsplit("-", 1)[1]) + 1 if existing else 1
            self._path = self.directory / f"{self.name}-{serial:09d}.jsonl"
            self._fh = self._path.open("ab")
        self._fh.write(orjson.dumps(doc) + b"\n")
        self._fh.flush()
        self.count += 1

    def seal(self) -> None:
        """Close the current file so it becomes a batch ready to send."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
            self.count = 0

    def ready(self) -> list[Path]:
        return [p for p in self._files() if p != self._path or self._fh is None]

    @staticmethod
    def read(path: Path) -> list[dict[str, Any]]:
        docs = []
        for line in path.read_bytes().splitlines():
            try:
                docs.append(orjson.loads(line))
            except orjson.JSONDecodeError:
                continue  # a half-written last line from a killed crawl; its ad is re-fetched
        return docs


class ElasticsearchPipeline:
    def __init__(
        self,
        stats: StatsCollector,
        site: str,
        spool_dir: Path,
        batch_size: int,
        flush_s: float,
        unreachable_s: float = 10.0,
    ) -> None:
        self.stats = stats
        self.site = site
        self.unreachable_s = unreachable_s
        self.spool_dir = spool_dir
        self.batch_size = batch_size
        self.flush_s = flush_s
        self._lock: asyncio.Lock | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ElasticsearchPipeline:
        s = crawler.settings
        if not s.getbool("SIGNAAL_INDEX"):
            raise NotConfigured("SIGNAAL_INDEX is off (signaal crawl --no-index)")
        assert crawler.stats is not None and crawler.spider is not None
        return cls(
            crawler.stats,
            crawler.spider.name,
            crawl_dir("SIGNAAL_SPOOL_DIR", s),
            s.getint("SIGNAAL_INDEX_BATCH"),
            s.getfloat("SIGNAAL_INDEX_FLUSH_S"),
            s.getfloat("SIGNAAL_INDEX_UNREACHABLE_S"),
        )

    def open_spider(self) -> None:
        self.es: Elasticsearch = get_client(component="indexer")
        # A quick probe that tries each node once: when the cluster is down, batches stay spooled at once
        # instead of waiting out the transport's retries and dead-node timeouts while the crawl goes on.
        nodes = len(get_settings().es_hosts)
        self.probe = get_client(component="indexer", request_timeout=2.0, max_retries=nodes - 1)
        logging.getLogger("elastic_transport").setLevel(logging.ERROR)
        self.spool = Spool(self.spool_dir, self.site)
        self.dead_letters = self.spool_dir / f"{self.site}-dead-letters.jsonl"
        self._lock = asyncio.Lock()
        pending = self.spool.ready()
        if pending:
            log.info("replaying %d spooled batch(es) left by an earlier crawl", len(pending))
            self._start_flush()

    async def close_spider(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self.spool.seal()
        await asyncio.gather(*self._tasks)
        await self._flush()
        left = self.spool.ready()
        self.stats.set_value("signaal/index/spool_files_left", len(left))
        if left:
            log.warning(
                "Elasticsearch unreachable: %d batch(es) kept in %s for the next run",
                len(left),
                self.spool_dir,
            )
        self.es.close()
        self.probe.close()

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        self.spool.append(item)
        if self.spool.count >= self.batch_size:
            self.spool.seal()
            self._start_flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.flush_s, self._on_timer)
        return item

    def _on_timer(self) -> None:
        self._timer = None
        self.spool.seal()
        self._start_flush()

    def _start_flush(self) -> None:
        task = asyncio.get_running_loop().create_task(self._flush())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _reachable(self) -> bool:
        try:
            self.probe.cluster.health(timeout="2s")
        except Exception:
            return False
        return True

    async def _flush(self) -> None:
        assert self._lock is not None
        stats = self.stats
        async with self._lock:
            if self.spool.ready() and not await asyncio.to_thread(self._reachable):
                stats.inc_value("signaal/index/unavailable")
                log.warning("Elasticsearch unreachable; %d batch(es) stay spooled", len(self.spool.ready()))
                return
            for path in self.spool.ready():
                docs = Spool.read(path)
                try:
                    report = await asyncio.to_thread(
                        index_ads,
                        self.es,
                        docs,
                        dead_letter_path=self.dead_letters,
                        unreachable_wait=self.unreachable_s,
                    )
                except Exception as exc:
                    stats.inc_value("signaal/index/unavailable")
                    log.warning("indexing %d ads failed (%s: %s); kept in %s", len(docs), type(exc).__name__, exc, path)
                    return
                stats.inc_value("signaal/index/batches")
                stats.inc_value("signaal/index/ads", report.indexed)
                if report.failed:
                    stats.inc_value("signaal/index/failed", report.failed)
                    log.warning("%d ads not indexed; see %s", report.failed, self.dead_letters)
                path.unlink()
