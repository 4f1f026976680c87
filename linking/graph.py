"""Find the links among a set of ads and group them into connected components.

One pure function, :func:`find_links`, serves both the full rebuild (all ads,
value counts from the same set) and the incremental run (the affected ads
only, value counts from the whole index), which is why an incremental run
produces the same links and clusters as a full one.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from linking.config import LinkingConfig
from linking.keys import AdKeys, distance_m, gps_cell, hamming, jaccard, photo_chunk_keys, place_key

# which too_common cap applies to which kind of shared value
CAP_OF_KIND = {
    "phone": "phone",
    "email": "email",
    "handle": "handle",
    "image_sha256": "image",
    "image_phash": "image",
    "photo_gps": "gps",
    "text_band": "text_band",
}
CONTACT_KINDS = ("phone", "email", "handle")


@dataclass(slots=True)
class Link:
    """Why some ads belong together; becomes one document in ``<prefix>-links``."""

    kind: str  # phone | email | handle | image_sha256 | image_phash | photo_gps | text
    ad_ids: list[str]
    value: str | None = None
    distance: int | None = None  # image_phash: Hamming distance of the perceptual hashes; photo_gps: metres
    similarity: float | None = None  # text: estimated Jaccard similarity
    a: str | None = None
    b: str | None = None
    reason: str = ""

    @property
    def id(self) -> str:
        """Deterministic id, so re-runs overwrite instead of duplicating."""
        basis = f"{self.kind}\x1f{self.value}" if self.kind != "text" else f"text\x1f{self.a}\x1f{self.b}"
        return f"{self.kind}-{hashlib.sha1(basis.encode(), usedforsecurity=False).hexdigest()[:20]}"

    def to_doc(self, cluster_id: str | None, now: str) -> dict[str, Any]:
        doc: dict[str, Any] = {"kind": self.kind, "ad_ids": self.ad_ids, "reason": self.reason, "created_at": now}
        for name in ("value", "distance", "similarity", "a", "b"):
            if getattr(self, name) is not None:
                doc[name] = getattr(self, name)
        if cluster_id:
            doc["cluster_id"] = cluster_id
        return doc


def count_values(ads: Iterable[AdKeys]) -> dict[tuple[str, str], int]:
    """How many ads carry each shared value (the full-rebuild source of the "too common" counts)."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for ad in ads:
        for kv in ad.values():
            counts[kv] += 1
        for value in ad.phashes:
            counts[("image_phash", value)] += 1
        for place in ad.photo_places:
            counts[("photo_gps", place)] += 1
        for band in ad.bands:
            counts[("text_band", band)] += 1
    return dict(counts)


def _too_common(counts: Mapping[tuple[str, str], int], cfg: LinkingConfig, kind: str, value: str) -> bool:
    return counts.get((kind, value), 0) > getattr(cfg.too_common, CAP_OF_KIND[kind])


def _value_links(ads: Sequence[AdKeys], counts: Mapping[tuple[str, str], int], cfg: LinkingConfig) -> list[Link]:
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for ad in ads:
        for kv in ad.values():
            groups[kv].append(ad.id)
    links = []
    for (kind, value), members in sorted(groups.items()):
        if len(members) < 2 or _too_common(counts, cfg, kind, value):
            continue
        what = {"image_sha256": "the same photo file (SHA-256)"}.get(kind, f"{kind} {value}")
        links.append(Link(kind, sorted(members), value=value, reason=f"{len(members)} ads share {what}"))
    return links


def _photo_links(
    ads: Sequence[AdKeys], counts: Mapping[tuple[str, str], int], cfg: LinkingConfig, sha_groups: set[tuple[str, ...]]
) -> list[Link]:
    by_hash: dict[str, list[str]] = defaultdict(list)
    for ad in ads:
        for hex_value in ad.phashes:
            by_hash[hex_value].append(ad.id)
    usable = {h: sorted(m) for h, m in by_hash.items() if not _too_common(counts, cfg, "image_phash", h)}
    links = []
    for h, members in sorted(usable.items()):  # the same-looking photo, possibly re-encoded
        if len(members) >= 2 and tuple(members) not in sha_groups:
            links.append(
                Link(
                    "image_phash",
                    members,
                    value=h,
                    distance=0,
                    reason=f"{len(members)} ads show the same-looking photo (perceptual hash {h})",
                )
            )
    max_d = cfg.photo.max_distance
    ints = {h: int(h, 16) for h in usable}
    near = _near_pairs(ints, max_d)
    for h1, h2 in sorted(near):
        members = sorted(set(usable[h1]) | set(usable[h2]))
        if len(members) < 2:
            continue
        d = hamming(ints[h1], ints[h2])
        links.append(
            Link(
                "image_phash",
                members,
                value=f"{h1}~{h2}",
                distance=d,
                a=usable[h1][0],
                b=usable[h2][0],
                reason=f"near-identical photos ({h1} / {h2}, {d} of 64 bits differ)",
            )
        )
    return links


def _gps_links(ads: Sequence[AdKeys], counts: Mapping[tuple[str, str], int], cfg: LinkingConfig) -> list[Link]:
    """Ads whose photos were taken within ``gps.max_distance_m`` of each other (EXIF GPS), one link per pair
    with the closest two positions. Positions in a grid cell used by too many ads link nothing."""
    max_m = cfg.gps.max_distance_m
    cells: dict[tuple[int, int], list[tuple[str, str, tuple[float, float]]]] = defaultdict(list)
    for ad in ads:
        for key, position in ad.gps.items():
            cell = gps_cell(position, max_m)
            if not _too_common(counts, cfg, "photo_gps", place_key(cell, max_m)):
                cells[cell].append((ad.id, key, position))
    closest: dict[tuple[str, str], tuple[float, str, str]] = {}
    for (row, col), points in cells.items():
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                for ad_a, key_a, pos_a in points:
                    for ad_b, key_b, pos_b in cells.get((row + dr, col + dc), ()):
                        if ad_a >= ad_b:
                            continue  # each pair once, in id order
                        metres = distance_m(pos_a, pos_b)
                        if metres <= max_m and metres < closest.get((ad_a, ad_b), (math.inf,))[0]:
                            closest[(ad_a, ad_b)] = (metres, key_a, key_b)
    links = []
    for (ad_a, ad_b), (metres, key_a, key_b) in sorted(closest.items()):
        links.append(
            Link(
                "photo_gps",
                [ad_a, ad_b],
                value=f"{key_a}~{key_b}",
                distance=round(metres),
                a=ad_a,
                b=ad_b,
                reason=f"photos taken {metres:.0f} m apart (EXIF GPS {key_a} / {key_b})",
            )
        )
    return links


def _near_pairs(ints: Mapping[str, int], max_d: int) -> set[tuple[str, str]]:
    """Pairs of distinct hashes within ``max_d`` bits: candidates share a chunk, verified with numpy popcounts."""
    buckets: dict[str, list[str]] = defaultdict(list)
    for h, value in ints.items():
        for key in photo_chunk_keys(value, max_d):
            buckets[key].append(h)
    near: set[tuple[str, str]] = set()
    for hashes in buckets.values():
        if len(hashes) < 2:
            continue
        values = np.array([ints[h] for h in hashes], dtype=np.uint64)
        for start in range(0, len(hashes), 512):  # row blocks bound memory for skewed buckets
            block = values[start : start + 512]
            dist = np.bitwise_count(block[:, None] ^ values[None, :])
            rows, cols = np.nonzero(dist <= max_d)
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                i = start + r
                if i < c:
                    h1, h2 = hashes[i], hashes[c]
                    near.add((h1, h2) if h1 < h2 else (h2, h1))
    return near


def _text_links(ads: Sequence[AdKeys], counts: Mapping[tuple[str, str], int], cfg: LinkingConfig) -> list[Link]:
    by_id = {ad.id: ad for ad in ads if ad.minhash is not None}
    buckets: dict[str, list[str]] = defaultdict(list)
    cap = cfg.too_common.text_band
    for ad in by_id.values():
        for band in ad.bands:
            if 1 < counts.get(("text_band", band), 2) <= cap:  # most bands are unique: skip them early
                buckets[band].append(ad.id)
    seen: set[tuple[str, str]] = set()
    links = []
    for members in buckets.values():
        if len(members) < 2:
            continue
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                pair = (a, b) if a < b else (b, a)
                if pair in seen:
                    continue
                seen.add(pair)
                sim = jaccard(by_id[a].minhash, by_id[b].minhash)  # type: ignore[arg-type]
                if sim >= cfg.text.jaccard_threshold:
                    links.append(
                        Link(
                            "text",
                            list(pair),
                            similarity=round(sim, 3),
                            a=pair[0],
                            b=pair[1],
                            reason=f"near-duplicate text (estimated Jaccard {sim:.2f} over word shingles)",
                        )
                    )
    links.sort(key=lambda link: (link.a, link.b))
    return links


def find_links(ads: Sequence[AdKeys], counts: Mapping[tuple[str, str], int], cfg: LinkingConfig) -> list[Link]:
    """Every link among ``ads``: shared contact values and photo files, near-identical photos and texts,
    photos taken at the same spot.

    ``counts`` says how many ads in the whole index carry each value; values
    above the configured cap link nothing (see ``too_common`` in linking.yaml).
    """
    links = _value_links(ads, counts, cfg)
    sha_groups = {tuple(link.ad_ids) for link in links if link.kind == "image_sha256"}
    links += _photo_links(ads, counts, cfg, sha_groups)
    links += _gps_links(ads, counts, cfg)
    links += _text_links(ads, counts, cfg)
    return links


@dataclass
class UnionFind:
    """Disjoint sets over ad ids (path halving, union by size)."""

    parent: dict[str, str] = field(default_factory=dict)
    size: dict[str, int] = field(default_factory=dict)

    def add(self, x: str) -> None:
        if x not in self.parent:
            self.parent[x] = x
            self.size[x] = 1

    def find(self, x: str) -> str:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]

    def components(self) -> list[list[str]]:
        groups: dict[str, list[str]] = defaultdict(list)
        for x in self.parent:
            groups[self.find(x)].append(x)
        return [sorted(members) for members in groups.values()]


def cluster_id(members: Sequence[str]) -> str:
    """Stable id of a component: a hash of its smallest ad id.

    When clusters merge, the merged cluster keeps the id of the one holding the
    smallest ad id, the same answer a full rebuild gives.
    """
    return "cl-" + hashlib.sha1(min(members).encode(), usedforsecurity=False).hexdigest()[:16]


def components(ad_ids: Iterable[str], links: Iterable[Link]) -> dict[str, list[str]]:
    """cluster id -> sorted member ad ids (singletons included)."""
    uf = UnionFind()
    for ad_id in ad_ids:
        uf.add(ad_id)
    for link in links:
        for ad_id in link.ad_ids:
            uf.add(ad_id)
        first = link.ad_ids[0]
        for other in link.ad_ids[1:]:
            uf.union(first, other)
    return {cluster_id(members): members for members in uf.components()}
