"""A crawl's status file on shared storage: what ``signaal schedule --status`` shows per site.

A crawl on a Scrapyd node has no terminal and its exit code is not kept by
Scrapyd, so the crawl itself writes ``<state_dir>/<site>.status.json``: who
runs it (node, job), pages, ads, pages/s, errors, the last error, and at the end
how it ended (``finish_reason``, whether the run finished or stopped early and
can be resumed, "site layout changed"). The file is replaced atomically every
``SIGNAAL_STATUS_INTERVAL`` seconds, together with the lease's heartbeat, and a
last time when the spider closes; only then is the site's lease released, so a
scheduler never finds a free site whose status still says "running".
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import orjson
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.extensions import summarise
from crawler.state import FINISHED, LAYOUT_CHANGED, STOPPED
from signaal.ids import utc_now
from signaal.paths import crawl_dir

STATUS_SUFFIX = ".status.json"
RUNNING = "running"  # the other states are the run states of crawler.state


def status_path(state_dir: Path, site: str) -> Path:
    return state_dir / f"{site}{STATUS_SUFFIX}"


def write_json_atomic(path: Path, doc: dict[str, Any]) -> None:
    """Replace ``path`` in one step (write a temporary file beside it, then rename)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS))
    tmp.replace(path)


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        doc = orjson.loads(path.read_bytes())
    except (FileNotFoundError, orjson.JSONDecodeError):
        return None
    return doc if isinstance(doc, dict) else None


def end_state(finish_reason: str | None, finished: bool) -> str:
    """How a closed crawl ended: finished, layout changed (the crawler's stop reason), or stopped (resumable)."""
    if finished:
        return FINISHED
    if finish_reason == LAYOUT_CHANGED:  # the spider closes with this reason (crawler.spiders.ads)
        return LAYOUT_CHANGED
    return STOPPED


class RunStatusExtension:
    """Write the site's status file and the lease heartbeat every few seconds; release the lease at the end."""

    def __init__(self, crawler: Crawler, path: Path, interval: float) -> None:
        self.crawler = crawler
        self.path = path
        self.interval = interval
        self.started = time.monotonic()
        self.started_at = utc_now()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunStatusExtension:
        interval = crawler.settings.getfloat("SIGNAAL_STATUS_INTERVAL")
        if interval <= 0:
            raise NotConfigured("SIGNAAL_STATUS_INTERVAL is 0")
        spider = crawler.spider
        if spider is None or not hasattr(spider, "lease"):
            raise NotConfigured("the spider holds no site lease (not a Signaal site crawl)")
        path = status_path(crawl_dir("SIGNAAL_STATE_DIR", crawler.settings), spider.name)
        ext = cls(crawler, path, interval)
        crawler.signals.connect(ext.opened, signals.spider_opened)
        # Connected after the spider's own spider_closed handler (the spider is built before extensions),
        # so the run's final counts are in the stats when the last status is written.
        crawler.signals.connect(ext.closed, signals.spider_closed)
        return ext

    def opened(self) -> None:
        self.started = time.monotonic()
        self.started_at = utc_now()
        self.write(RUNNING, None)
        self.loop = task.LoopingCall(self.beat)
        self.loop.start(self.interval, now=False)

    def beat(self) -> None:
        self.crawler.spider.lease.heartbeat()  # type: ignore[union-attr]
        self.write(RUNNING, None)

    def write(self, state: str, finish_reason: str | None) -> None:
        spider = self.crawler.spider
        assert spider is not None and self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        summary = summarise(stats, time.monotonic() - self.started)
        doc = {
            **spider.lease.owner,  # type: ignore[attr-defined]
            "site": spider.name,
            "state": state,
            "finish_reason": finish_reason,
            "started_at": self.started_at,
            "updated_at": utc_now(),
            "pages": summary["pages"],
            "ads": summary["ads"],
            "pages_per_s": summary["pages_per_s"],
            "errors": summary["errors"],
            # the one-line reason of a layout change (naming the selector), else the last failed request
            "last_error": getattr(spider, "stop_reason", None) or getattr(spider, "last_error", None),
            "indexed": int(stats.get("signaal/index/ads", 0)),
            "run": {
                "id": stats.get("signaal/run/id"),
                "resumed": bool(stats.get("signaal/run/resumed")),
                "finished": bool(stats.get("signaal/run/finished")),
                "pending": int(stats.get("signaal/run/pending", 0)),
                "failed": int(stats.get("signaal/run/failed", 0)),
            },
        }
        write_json_atomic(self.path, doc)

    def closed(self, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        finished = bool(self.crawler.stats.get_value("signaal/run/finished"))  # type: ignore[union-attr]
        self.write(end_state(reason, finished), reason)
        self.crawler.spider.lease.release()  # type: ignore[union-attr]
