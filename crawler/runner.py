"""Build the Scrapy settings for one site and run its crawl in this process.

The Twisted reactor cannot be restarted, so a crawl owns its process: the CLI
runs one crawl per ``signaal crawl`` invocation, and tests run that command as
a subprocess.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.config import SiteConfig, TermList
from crawler.lease import SiteLease, lease_path, owner_identity
from crawler.malloc import tune_malloc
from crawler.spiders.ads import AdSpider
from signaal.paths import crawl_dir


@dataclass
class CrawlOptions:
    """What ``signaal crawl`` was asked to do."""

    term_lists: list[TermList] = field(default_factory=list)
    listing: bool = True
    out: Path | None = None
    index: bool = True
    score: bool = True
    max_ads: int | None = None
    state_dir: Path | None = None
    evidence_dir: Path | None = None
    spool_dir: Path | None = None
    log_level: str = "INFO"
    overrides: dict[str, Any] = field(default_factory=dict)


def build_settings(opts: CrawlOptions) -> Any:
    """Project settings plus what the command line asked for; the site's own settings are applied by the
    spider (crawler.site_settings), the same way on a Scrapyd node."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.update(
        {
            "LOG_LEVEL": opts.log_level,
            "SIGNAAL_STATE_DIR": str(opts.state_dir or crawl_dir("SIGNAAL_STATE_DIR")),
            "SIGNAAL_EVIDENCE_DIR": str(opts.evidence_dir or crawl_dir("SIGNAAL_EVIDENCE_DIR")),
            "SIGNAAL_SPOOL_DIR": str(opts.spool_dir or crawl_dir("SIGNAAL_SPOOL_DIR")),
            "SIGNAAL_OUT": str(opts.out) if opts.out else None,
            "SIGNAAL_INDEX": opts.index,
            "SIGNAAL_SCORE": opts.score,
        },
        priority="cmdline",
    )
    settings.update(opts.overrides, priority="cmdline")
    return settings


def run_crawl(site: SiteConfig, opts: CrawlOptions) -> dict[str, Any]:
    """Run the crawl to completion (or to a clean stop) and return its stats and summary.

    Raises :class:`crawler.lease.LeaseHeldError` before anything starts when the site is being crawled.
    """

    tune_malloc()  # before the first thread starts (docs/crawler.md, Performance: memory)
    settings = build_settings(opts)
    lease = SiteLease(
        lease_path(crawl_dir("SIGNAAL_STATE_DIR", settings), site.site),
        site.site,
        owner_identity(settings.get("SIGNAAL_NODE_ID")),
    )
    lease.acquire()
    try:
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(AdSpider)
        started = time.monotonic()
        process.crawl(
            crawler, site=site, term_lists=opts.term_lists, listing=opts.listing, max_ads=opts.max_ads, lease=lease
        )
        # Scrapy filters below LOG_LEVEL in its handler, after every DEBUG record (several per page) was
        # built; filtering at the root logger skips building them. (crawl() has just reset the root level.)
        logging.getLogger().setLevel(opts.log_level)
        process.start()
    finally:
        lease.release()
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    stats["signaal/elapsed_s"] = round(time.monotonic() - started, 2)
    return stats
