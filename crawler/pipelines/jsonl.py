"""Write scored ads to a JSON Lines file (``signaal crawl --out FILE.jsonl``), safe to resume.

Each line is written and flushed at once, so a killed crawl loses at most a
half-written last line; on open that tail is cut and the (id, version) pairs
already in the file are skipped, so a resumed crawl adds nothing twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import orjson
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector


def repair_and_index(path: Path) -> set[tuple[str, int]]:
    """Cut a half-written last line and return the (id, version) pairs already written."""
    seen: set[tuple[str, int]] = set()
    if not path.exists():
        return seen
    good = 0
    with path.open("rb") as fh:
        for line in fh:
            if not line.endswith(b"\n"):
                break
            try:
                doc = orjson.loads(line)
            except orjson.JSONDecodeError:
                break
            seen.add((doc.get("id"), (doc.get("crawl") or {}).get("version")))
            good += len(line)
    if good < path.stat().st_size:
        with path.open("r+b") as fh:
            fh.truncate(good)
    return seen


class JsonLinesPipeline:
    def __init__(self, stats: StatsCollector, path: Path) -> None:
        self.stats = stats
        self.path = path
        self.fh: IO[bytes] | None = None
        self.seen: set[tuple[str, int]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesPipeline:
        out = crawler.settings.get("SIGNAAL_OUT")
        if not out:
            raise NotConfigured("SIGNAAL_OUT is not set (signaal crawl --out FILE.jsonl)")
        assert crawler.stats is not None
        return cls(crawler.stats, Path(out))

    def open_spider(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.seen = repair_and_index(self.path)
        self.fh = self.path.open("ab")

    def close_spider(self) -> None:
        if self.fh is not None:
            self.fh.close()

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        assert self.fh is not None
        key = (item["id"], item["crawl"]["version"])
        if key in self.seen:
            self.stats.inc_value("signaal/out/skipped_existing")
            return item
        self.fh.write(orjson.dumps(item) + b"\n")
        self.fh.flush()
        self.seen.add(key)
        self.stats.inc_value("signaal/out/written")
        return item
