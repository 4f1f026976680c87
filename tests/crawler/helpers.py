"""Helpers for crawler tests: site configs changed for one test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from crawler.config import SITES_DIR


def site_variant(directory: Path, site: str, **changes: Any) -> str:
    """A copy of ``crawler/sites/<site>.yaml`` with top-level blocks changed (``None`` removes one), written as
    ``<directory>/<site>.yaml`` so the site id stays the same; returns the path for ``signaal crawl``."""
    data = yaml.safe_load((SITES_DIR / f"{site}.yaml").read_text())
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        elif isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{site}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return str(path)


def photo_recorded(image: dict[str, Any]) -> bool:
    """An image entry as the crawler leaves it: hashed, or refused for what its bytes are (a decompression bomb,
    a cut-off or unreadable file: the fixture mix has each), always with the SHA-256 of the bytes in WARC."""
    if len(image.get("sha256") or "") != 64 or not image.get("warc_record_id"):
        return False
    return len(image.get("phash") or "") == 16 or image.get("error") in (
        "decompression_bomb",
        "truncated_image",
        "not_an_image",
    )
