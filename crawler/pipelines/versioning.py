"""Give each ad its version from the crawl state store: unchanged text keeps it, new text adds one.

The store archives the previous record, so every earlier version stays
retrievable (``StateStore.versions(ad_id)``); the indexer keeps them in the
``ad-versions`` index as well.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.state import StateStore


class VersioningPipeline:
    def __init__(self, stats: StatsCollector, state: StateStore) -> None:
        self.stats = stats
        self.state = state

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> VersioningPipeline:
        assert crawler.stats is not None
        return cls(crawler.stats, crawler.spider.state)  # type: ignore[union-attr]

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        state = self.state
        crawl = item["crawl"]
        record = {k: v for k, v in item.items() if not k.startswith("_")}
        v = state.record_ad(item["id"], crawl["content_hash"], crawl["fetched_at"], record)
        crawl.update(version=v.version, first_seen=v.first_seen, last_seen=v.last_seen)
        what = "new" if v.changed and v.version == 1 else "changed" if v.changed else "unchanged"
        self.stats.inc_value(f"signaal/versions/{what}")
        return item
