"""Tidy the raw fields without rewriting what was published, and compute the content hash.

Title and body stay as published (only surrounding whitespace is trimmed);
``posted_at`` becomes UTC ISO-8601 with ``Z``; ``crawl.content_hash`` is the
SHA-256 of the normalized text that decides whether an ad changed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from signaal.ids import canonical_url, content_hash, utc_iso


def posted_at_utc(value: str | None) -> str | None:
    """ISO-8601 in UTC with ``Z``; ``None`` for empty or unparseable dates (counted by the caller)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return utc_iso(parsed)


class NormalizePipeline:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalizePipeline:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        stats = self.stats
        title = (item.get("title") or "").strip()
        body = (item.get("body") or "").strip()
        if not title and not body:
            stats.inc_value("signaal/normalize/empty")
            raise DropItem(f"{item.get('id')}: no title and no body")
        item["title"], item["body"] = title, body
        item["url"] = canonical_url(item["url"])
        raw_posted = item.get("posted_at")
        item["posted_at"] = posted_at_utc(raw_posted)
        if raw_posted and item["posted_at"] is None:
            stats.inc_value("signaal/normalize/bad_posted_at")
        item["crawl"]["content_hash"] = content_hash(title, body)
        return item
