"""Write the fetched ad page and its images to WARC and put the evidence reference on the ad.

First of the text stages on purpose: what is kept is exactly what was fetched,
before anything is cleaned or interpreted.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.evidence.warcstore import WarcStore
from crawler.state import StateStore
from signaal.paths import crawl_dir


class EvidencePipeline:
    """One WarcStore per crawl; sealed (manifest + signature + timestamp) when the spider closes."""

    def __init__(
        self,
        stats: StatsCollector,
        site: str,
        directory: Path,
        max_bytes: int,
        tsa_url: str | None,
        state: StateStore | None = None,
    ) -> None:
        self.stats = stats
        self.site = site
        self.state = state
        self.directory = directory
        self.max_bytes = max_bytes
        self.tsa_url = tsa_url
        self.store: WarcStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EvidencePipeline:
        s = crawler.settings
        tsa = s.get("SIGNAAL_TSA_URL") or os.environ.get("SIGNAAL_TSA_URL") or None
        assert crawler.stats is not None and crawler.spider is not None
        spider = crawler.spider
        return cls(
            crawler.stats,
            spider.name,
            crawl_dir("SIGNAAL_EVIDENCE_DIR", s),
            s.getint("SIGNAAL_WARC_MAX_BYTES"),
            tsa,
            getattr(spider, "state", None),
        )

    def open_spider(self) -> None:
        self.store = WarcStore(self.directory, self.site, max_bytes=self.max_bytes, tsa_url=self.tsa_url)

    def close_spider(self) -> None:
        if self.store is not None:
            self.store.close()
            self.stats.set_value("signaal/evidence/warc_files", len(self.store.sealed))

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        assert self.store is not None
        fetch = item.pop("_fetch", None)
        if fetch is None:
            self.stats.inc_value("signaal/evidence/no_fetch")
            raise DropItem(f"{item.get('id')}: no fetched page to keep as evidence")
        ev = self.store.write(
            fetch["url"],
            fetch["body"],
            status=fetch["status"],
            headers=fetch["headers"],
            fetched_at=fetch["fetched_at"],
            rendered=fetch["rendered"],
        )
        item["evidence"] = ev.as_dict()
        state = self.state
        for index, url, status, headers, body, fetched_at in item.pop("_images", []):
            img_ev = self.store.write(url, body, status=status, headers=headers, fetched_at=fetched_at)
            entry = item["images"][index]
            entry["warc_record_id"] = img_ev.record_id
            if state is not None and "sha256" in entry:
                # Only now, with the record on disk, may later ads of this run reuse it (images pipeline).
                # Entries refused for their content (a bomb, a broken file) are reused too: same bytes, same verdict.
                state.remember_image(url, entry)
            self.stats.inc_value("signaal/evidence/image_records")
        self.stats.inc_value("signaal/evidence/page_records")
        return item
