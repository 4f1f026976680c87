"""Fixture ads for linking tests: the generator's ads with their true entities and hashed photos.

Linking is tested on what it consumes — entities and image hashes — so the
entities come from the generator's ground truth (not from the NLP stage, whose
recall is measured elsewhere) and photos are rendered and hashed the way the
crawler's image pipeline does it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from signaal.demo_sites.generator import generate
from signaal.demo_sites.images import render_photo


def photo_hashes(spec: Any) -> dict[str, Any]:
    import io

    import imagehash
    from PIL import Image

    data = render_photo(spec)
    with Image.open(io.BytesIO(data)) as img:
        return {
            "sha256": hashlib.sha256(data).hexdigest(),
            "phash": str(imagehash.phash(img)),
            "width": img.width,
            "height": img.height,
        }


def fixture_ads(seed: int = 7, n_ads: int = 300, epoch: int = 1) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """(ads as stored in the ads index, ad id -> true advertiser id)."""
    corpus = generate(seed=seed, n_ads=n_ads, epoch=epoch)
    ads, advertiser = [], {}
    for ad, truth in zip(corpus.ads, corpus.truth, strict=True):
        posted = ad["posted_at"]
        seen = (datetime.fromisoformat(posted.replace("Z", "+00:00")) + timedelta(hours=1)).astimezone(UTC)
        images = []
        for url, photo_id in zip(ad["images"], truth["photos"], strict=True):
            images.append({"url": url, **photo_hashes(corpus.photos[photo_id])})
        ents = truth["entities"]
        ads.append(
            {
                "id": ad["id"],
                "site": ad["site"],
                "url": ad["url"],
                "title": ad["title"],
                "body": ad["body"],
                "posted_at": posted,
                "images": images,
                "entities": {**ents, "locations": [{"name": name} for name in ents["locations"]]},
                "crawl": {"first_seen": posted, "last_seen": seen.strftime("%Y-%m-%dT%H:%M:%SZ"), "version": 1},
                "risk": {"minor": float(truth["labels"]["minor"]) * 0.8, "trafficking": 0.1, "priority": 0.1},
            }
        )
        advertiser[ad["id"]] = truth["advertiser_id"]
    return ads, advertiser


def pairwise_precision_recall(clusters: dict[str, str], truth: dict[str, str]) -> tuple[float, float]:
    """Pairwise precision and recall of predicted clusters (ad -> cluster) against true groups (ad -> group)."""
    from itertools import combinations

    def pairs(assign: dict[str, str]) -> set[tuple[str, str]]:
        groups: dict[str, list[str]] = {}
        for ad_id, group in assign.items():
            groups.setdefault(group, []).append(ad_id)
        return {p for members in groups.values() for p in combinations(sorted(members), 2)}

    predicted, true = pairs(clusters), pairs(truth)
    hit = len(predicted & true)
    return (hit / len(predicted) if predicted else 1.0, hit / len(true) if true else 1.0)
