"""The Scrapy settings that follow from one site's YAML (politeness, limits, browser).

Applied by the spider itself when it is built (``AdSpider.from_crawler``), so a
crawl started by ``signaal crawl`` and one started by a Scrapyd node
(``scrapy crawl ads -a site=...``) run with the same per-site settings; values
given on the command line (``--set`` / ``-s``) still win.
"""

from __future__ import annotations

from typing import Any

from crawler.browser import browser_settings
from crawler.config import ConfigError, SiteConfig


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


def setting_overrides(items: list[str] | None) -> dict[str, str]:
    """``--set NAME=VALUE`` options as a settings dict; a malformed one is a :class:`ConfigError`."""
    overrides = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--set expects NAME=VALUE, got {item!r}")
        overrides[name.strip()] = value
    return overrides
