"""Generator ads shaped like scored ads in the index, with the generator's *true* entities.

Linking consumes entities, image hashes and photo GPS positions, so its tests and its benchmark
feed it the ground truth instead of NLP output: linking is then measured on its own (NLP recall
is measured in nlp/evaluate.py). Photos are either rendered and analysed exactly as the crawler's
image pipeline does (tests: crawler.photos), or given a hash derived from the photo spec without
rendering (benchmarks at 100k ads: a base picture gets a pseudo-random 64-bit pHash, its altered
variants flip as many bits as the variant number; the EXIF block is the one the photo is drawn with).
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler.photos import PhotoError, analyze_photo
from devtools.fixture_sites.generator import generate
from devtools.fixture_sites.images import PhotoSpec, prerender, profile, render_photo


def rendered_photo_hashes(spec: PhotoSpec) -> dict[str, Any]:
    """The image record of the rendered photo, exactly as the crawler's image pipeline makes it."""
    data = render_photo(spec)
    try:
        return analyze_photo(data).record
    except PhotoError as refused:
        return {**refused.facts, "error": refused.kind}


def derived_photo_hashes(spec: PhotoSpec, photo_id: str) -> dict[str, Any]:
    """Hashes derived from the spec alone: same near-duplicate structure, no rendering cost; the GPS
    position the photo carries (its EXIF as drawn)."""
    base = int.from_bytes(hashlib.blake2b(f"{spec.seed}:{spec.base}".encode(), digest_size=8).digest(), "big")
    rng = random.Random(f"{spec.seed}:{spec.base}:{spec.variant}")
    for bit in rng.sample(range(64), spec.variant):
        base ^= 1 << bit
    record: dict[str, Any] = {"sha256": hashlib.sha256(photo_id.encode()).hexdigest(), "phash": f"{base:016x}"}
    exif = profile(spec).exif
    if exif is not None and exif.gps:
        record["exif"] = {"present": True, "gps": {"lat": exif.gps[0], "lon": exif.gps[1]}}
    return record


def truth_ads(
    seed: int = 7, n_ads: int = 300, epoch: int = 1, *, render_photos: bool = True
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """(ads as stored in the ads index, ad id -> true advertiser id)."""
    corpus = generate(seed=seed, n_ads=n_ads, epoch=epoch)
    if render_photos:
        prerender(corpus.photos.values())
    ads, advertiser = [], {}
    for ad, truth in zip(corpus.ads, corpus.truth, strict=True):
        posted = ad["posted_at"]
        seen = (datetime.fromisoformat(posted.replace("Z", "+00:00")) + timedelta(hours=1)).astimezone(UTC)
        images = []
        for url, photo_id in zip(ad["images"], truth["photos"], strict=True):
            spec = corpus.photos[photo_id]
            hashes = rendered_photo_hashes(spec) if render_photos else derived_photo_hashes(spec, photo_id)
            images.append({"url": url, **hashes})
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
