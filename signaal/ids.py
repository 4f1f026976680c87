"""Stable ad ids, canonical URLs, content and file hashes, and the one UTC timestamp format.

An ad id must not change between crawls, or a recrawl would duplicate the ad
instead of updating it: ``<site>:<site_ad_id>`` when the site shows its own id,
else ``<site>:u:<sha256(canonical url)[:20]>``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from w3lib.url import canonicalize_url

from signaal.text import normalize_text


def canonical_url(url: str) -> str:
    """Sorted query, no fragment: two spellings of one page give one URL."""
    return canonicalize_url(url, keep_fragments=False)


def ad_id(site: str, site_ad_id: str | None, url: str) -> str:
    """The record ``id`` (docs/ARCHITECTURE.md)."""
    if site_ad_id:
        return f"{site}:{site_ad_id}"
    digest = hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()[:20]
    return f"{site}:u:{digest}"


def content_hash(title: str, body: str) -> str:
    """SHA-256 of normalized title + newline + body; a new hash means a new version."""
    return hashlib.sha256(f"{normalize_text(title)}\n{normalize_text(body)}".encode()).hexdigest()


def utc_iso(moment: datetime) -> str:
    """``moment`` in the time format of every record: UTC ISO-8601 with milliseconds and ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def utc_now() -> str:
    """The current time in the record format (:func:`utc_iso`)."""
    return utc_iso(datetime.now(UTC))


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB chunks (WARC files and model artifacts can be large)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
