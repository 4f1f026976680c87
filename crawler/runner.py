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

from crawler.browser import browser_settings
from crawler.config import SiteConfig, TermList
from crawler.malloc import tune_malloc
from crawler.spiders.ads import AdSpider
from signaal.paths import var_dir


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


def site_settings(site: SiteConfig) -> dict[str, Any]:
    """Scrapy settings that follow from the site YAML (politeness, limits, browser)."""
    pol, lim = site.politeness, site.limits
    out: dict[str, Any] = {
        "CONCURRENT_REQUESTS": pol.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": pol.concurrency,
        "DOWNLOAD_DELAY": pol.download_delay,
        "AUTOTHROTTLE_ENABLED": pol.autothrottle,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": pol.autothrottle_target_concurrency,
        "AUTOTHROTTLE_START_DELAY": pol.download_delay,
        "DOWNLOAD_TIMEOUT": lim.timeout_s,
        "DOWNLOAD_MAXSIZE": lim.max_page_bytes,
        "RETRY_TIMES": lim.retries,
        "ROBOTSTXT_OBEY": site.robots_txt.obey,
    }
    if site.render == "browser":
        out.update(browser_settings(site))
    return out


def build_settings(site: SiteConfig, opts: CrawlOptions) -> Any:

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.update(site_settings(site), priority="project")
    base = var_dir()
    settings.update(
        {
            "LOG_LEVEL": opts.log_level,
            "SIGNAAL_STATE_DIR": str(opts.state_dir or base / "crawl-state"),
            "SIGNAAL_EVIDENCE_DIR": str(opts.evidence_dir or base / "evidence"),
            "SIGNAAL_SPOOL_DIR": str(opts.spool_dir or base / "spool"),
            "SIGNAAL_OUT": str(opts.out) if opts.out else None,
            "SIGNAAL_INDEX": opts.index,
            "SIGNAAL_SCORE": opts.score,
        },
        priority="cmdline",
    )
    settings.update(opts.overrides, priority="cmdline")
    return settings


def run_crawl(site: SiteConfig, opts: CrawlOptions) -> dict[str, Any]:
    """Run the crawl to completion (or to a clean stop) and return its stats and summary."""

    tune_malloc()  # before the first thread starts (docs/crawler.md, Performance: memory)
    process = CrawlerProcess(build_settings(site, opts))
    crawler = process.create_crawler(AdSpider)
    started = time.monotonic()
    process.crawl(crawler, site=site, term_lists=opts.term_lists, listing=opts.listing, max_ads=opts.max_ads)
    # Scrapy filters below LOG_LEVEL in its handler, after every DEBUG record (several per page) was
    # built; filtering at the root logger skips building them. (crawl() has just reset the root level.)
    logging.getLogger().setLevel(opts.log_level)
    process.start()
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    stats["signaal/elapsed_s"] = round(time.monotonic() - started, 2)
    return stats
