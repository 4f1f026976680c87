"""The generated corpus: ads in the pipeline's input format, their ground truth, and the photos they use."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from devtools.fixture_sites.images import PhotoSpec

SITES = ("prikbord", "vitrine")
DEFAULT_PORTS = {"prikbord": 8701, "vitrine": 8702}
# Where photos are served on each site (the JS site uses another path, as real sites differ).
PHOTO_PATHS = {"prikbord": "/img/", "vitrine": "/media/"}


def default_base_urls() -> dict[str, str]:
    """Base URLs the ads point to when no running site is given (the default ``serve`` ports)."""
    return {site: f"http://127.0.0.1:{port}" for site, port in DEFAULT_PORTS.items()}


@dataclass(slots=True)
class Corpus:
    """Ads (``id, site, url, title, body, posted_at, images, site_ad_id, city``) with truth, in posting order."""

    seed: int
    n_ads: int
    epoch: int
    base_urls: dict[str, str]
    ads: list[dict[str, Any]]
    truth: list[dict[str, Any]]
    photos: dict[str, PhotoSpec]
    _by_id: dict[str, int] = field(default_factory=dict, repr=False)
    _by_site: dict[str, list[dict[str, Any]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {ad["id"]: i for i, ad in enumerate(self.ads)}
        self._by_site = {site: [ad for ad in self.ads if ad["site"] == site] for site in SITES}

    def __len__(self) -> int:
        return len(self.ads)

    def ad(self, ad_id: str) -> dict[str, Any]:
        """The ad with id ``<site>:<site_ad_id>`` (KeyError when unknown)."""
        return self.ads[self._by_id[ad_id]]

    def truth_for(self, ad_id: str) -> dict[str, Any]:
        """Ground truth of one ad."""
        return self.truth[self._by_id[ad_id]]

    def site_ads(self, site: str) -> list[dict[str, Any]]:
        """The ads of one site in posting order (oldest first; the sites list newest first)."""
        return self._by_site[site]

    def labelled(self) -> Iterator[dict[str, Any]]:
        """Ads with their ``labels`` block (the training/evaluation format)."""
        for ad, truth in zip(self.ads, self.truth, strict=True):
            yield {**ad, "labels": truth["labels"]}

    def write(self, out_dir: Path) -> dict[str, Path]:
        """Write ``ads.jsonl``, ``truth.jsonl`` and ``labelled.jsonl`` into ``out_dir``; return their paths."""
        out_dir.mkdir(parents=True, exist_ok=True)
        files = {"ads": self.ads, "truth": self.truth, "labelled": self.labelled()}
        paths = {}
        for name, rows in files.items():
            path = out_dir / f"{name}.jsonl"
            with path.open("wb") as handle:
                for row in rows:
                    handle.write(orjson.dumps(row) + b"\n")
            paths[name] = path
        return paths
