"""Stable ad ids, canonical URLs, content hashes and UTC timestamps.

An ad id must not change between crawls, or a recrawl would duplicate the ad
instead of updating it: ``<site>:<site_ad_id>`` when the site shows its own id,
else ``<site>:u:<sha256(canonical url)[:20]>``.
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import UTC, datetime

from w3lib.url import canonicalize_url


def canonical_url(url: str) -> str:
    """Sorted query, no fragment: two spellings of one page give one URL."""
    return canonicalize_url(url, keep_fragments=False)


def ad_id(site: str, site_ad_id: str | None, url: str) -> str:
    """The record ``id`` (docs/ARCHITECTURE.md)."""
    if site_ad_id:
        return f"{site}:{site_ad_id}"
    digest = hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()[:20]
    return f"{site}:u:{digest}"


def normalise_text(text: str) -> str:
    """What counts as "the same text": NFC, single spaces, no blank lines (layout is not content)."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def content_hash(title: str, body: str) -> str:
    """SHA-256 of normalised title + newline + body; a new hash means a new version."""
    return hashlib.sha256(f"{normalise_text(title)}\n{normalise_text(body)}".encode()).hexdigest()


def utc_now() -> str:
    """UTC ISO-8601 with ``Z`` and milliseconds, the time format of every record."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
