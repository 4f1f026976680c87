"""What linking compares, computed from one ad: contact values, photo hashes and positions, a MinHash of its text.

Everything here is a pure function of the ad's own fields (title, body,
entities, images), so a full rebuild and an incremental run compute the same
keys, and a key stored in Elasticsearch (LSH band, photo chunk) can be looked
up later with one terms query.
"""

from __future__ import annotations

import hashlib
import math
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from datasketch import MinHash

from linking.config import LinkingConfig
from signaal.text import fold

_TOKEN = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
NUMBER_MASK = "#"
EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180  # along a meridian of the sphere distance_m measures on
#: Grid cells are max_distance high and max_distance / cos(GRID_MAX_LAT) wide: wide enough that two positions
#: within max_distance are in the same or neighbouring cells anywhere up to this latitude (all of Europe but
#: the far north; beyond it a near pair can be missed, never a far one linked).
GRID_MAX_LAT = 70.0
NAME_MASK = "<name>"
CITY_MASK = "<city>"


@dataclass(slots=True)
class AdKeys:
    """The linking view of one ad (plus the few fields cluster documents summarise)."""

    id: str
    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    handles: set[str] = field(default_factory=set)
    handle_keys: set[str] = field(default_factory=set)
    sha256s: set[str] = field(default_factory=set)
    phashes: dict[str, int] = field(default_factory=dict)
    minhash: np.ndarray | None = None
    bands: list[str] = field(default_factory=list)
    photo_chunks: list[str] = field(default_factory=list)
    gps: dict[str, tuple[float, float]] = field(default_factory=dict)  # "lat,lon" -> (lat, lon) of its photos
    photo_places: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    ages: list[int] = field(default_factory=list)
    site: str = ""
    first_seen: str | None = None
    last_seen: str | None = None
    risk: dict[str, float] = field(default_factory=dict)
    indicator_codes: list[str] = field(default_factory=list)

    def values(self) -> Iterable[tuple[str, str]]:
        """(kind, value) pairs that link ads by equality."""
        for kind, vals in (
            ("phone", self.phones),
            ("email", self.emails),
            ("handle", self.handles),
            ("image_sha256", self.sha256s),
        ):
            for value in vals:
                yield kind, value


@lru_cache(maxsize=65536)  # names and cities repeat across thousands of ads: fold each spelling once
def fold_name(text: str) -> str:
    """The comparable form of a name or city: :func:`signaal.text.fold`, outer spaces dropped."""
    return fold(text).strip()


def text_tokens(title: str, body: str, names: Iterable[str] = (), cities: Iterable[str] = ()) -> list[str]:
    """Normalized word tokens of title + body, with numbers, names and cities masked.

    Masking makes a template re-used with another name, age, city, price and
    phone number look identical, which is exactly the TRAF_TEMPLATE_TEXT signal.
    """
    name_tokens = {t for n in names for t in _TOKEN.findall(fold_name(n))}
    city_tokens = {t for c in cities for t in _TOKEN.findall(fold_name(c))}
    out = []
    for token in _TOKEN.findall(fold(f"{title}\n{body}")):
        if _DIGIT.search(token):
            out.append(NUMBER_MASK)
        elif token in name_tokens:
            out.append(NAME_MASK)
        elif token in city_tokens:
            out.append(CITY_MASK)
        else:
            out.append(token)
    return out


def shingles(tokens: Sequence[str], k: int) -> set[bytes]:
    if len(tokens) <= k:
        return {" ".join(tokens).encode()}
    return {" ".join(tokens[i : i + k]).encode() for i in range(len(tokens) - k + 1)}


@lru_cache(maxsize=4)
def _permutations(num_perm: int) -> Any:

    template = MinHash(num_perm=num_perm, seed=1, hashfunc=zlib.crc32)
    return template.permutations, template.scheme


def minhash(shingle_set: set[bytes], num_perm: int) -> np.ndarray:
    """datasketch MinHash signature (uint64 array); permutations are built once per process.

    CRC-32 hashes the shingles: stable across processes (unlike ``hash``) and
    several times faster than datasketch's default SHA-1, which matters at 100k ads.
    """

    permutations, scheme = _permutations(num_perm)
    m = MinHash(num_perm=num_perm, seed=1, hashfunc=zlib.crc32, permutations=permutations, scheme=scheme)
    m.update_batch(list(shingle_set))
    return np.asarray(m.hashvalues, dtype=np.uint64)


def band_keys(signature: np.ndarray, bands: int, rows: int) -> list[str]:
    """One keyword per LSH band: ``t<band>:<hash of the band's rows>``."""
    return [
        f"t{b}:{hashlib.blake2b(signature[b * rows : (b + 1) * rows].tobytes(), digest_size=8).hexdigest()}"
        for b in range(bands)
    ]


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """MinHash estimate of the Jaccard similarity (share of equal signature rows)."""
    return float(np.count_nonzero(a == b)) / len(a)


@lru_cache(maxsize=16)
def chunk_bits(max_distance: int) -> tuple[tuple[int, int], ...]:
    """(shift, width) of the max_distance + 1 chunks a 64-bit hash is cut into."""
    n = max_distance + 1
    widths = [64 // n + (1 if i < 64 % n else 0) for i in range(n)]
    out, shift = [], 64
    for w in widths:
        shift -= w
        out.append((shift, w))
    return tuple(out)


@lru_cache(maxsize=262144)
def photo_chunk_keys(phash: int, max_distance: int) -> tuple[str, ...]:
    """Keywords ``p<chunk>:<bits>``; hashes within max_distance bits share at least one (pigeonhole)."""
    return tuple(
        f"p{i}:{(phash >> shift) & ((1 << width) - 1):x}" for i, (shift, width) in enumerate(chunk_bits(max_distance))
    )


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lat, lon) positions (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def gps_cell(position: tuple[float, float], max_distance_m: float) -> tuple[int, int]:
    """The grid cell (row, column) of a position; see GRID_MAX_LAT for why the columns are wider."""
    height = max_distance_m / METRES_PER_DEGREE
    width = height / math.cos(math.radians(GRID_MAX_LAT))
    return math.floor(position[0] / height), math.floor(position[1] / width)


def place_key(cell: tuple[int, int], max_distance_m: float) -> str:
    """Keyword of a grid cell, ``g<metres>:<row>:<column>`` (the cell size is part of the key)."""
    return f"g{max_distance_m:g}:{cell[0]}:{cell[1]}"


def nearby_place_keys(position: tuple[float, float], max_distance_m: float) -> list[str]:
    """The cell of a position and its 8 neighbours: every position within max_distance_m is in one of them."""
    row, col = gps_cell(position, max_distance_m)
    return [place_key((row + dr, col + dc), max_distance_m) for dr in (-1, 0, 1) for dc in (-1, 0, 1)]


def photo_positions(doc: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """The GPS positions in an ad's photos' EXIF (``images[].exif.gps``), keyed "lat,lon" (6 decimals)."""
    out: dict[str, tuple[float, float]] = {}
    for image in _images(doc):
        gps = (image.get("exif") or {}).get("gps") if isinstance(image.get("exif"), dict) else None
        if not isinstance(gps, dict):
            continue
        lat, lon = gps.get("lat"), gps.get("lon")
        if isinstance(lat, int | float) and isinstance(lon, int | float) and -90 <= lat <= 90 and -180 <= lon <= 180:
            out.setdefault(f"{lat:.6f},{lon:.6f}", (float(lat), float(lon)))
    return out


def _location_name(loc: Any) -> str | None:
    if isinstance(loc, dict):
        loc = loc.get("name")
    return loc if isinstance(loc, str) and loc.strip() else None


def _images(doc: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for image in doc.get("images") or ():
        if isinstance(image, dict):  # raw input may carry plain URL strings: nothing to compare
            yield image


def ad_keys(doc: dict[str, Any], cfg: LinkingConfig) -> AdKeys:
    """Compute the linking keys of one ad document (as stored in the ads index)."""
    ent = doc.get("entities") or {}
    crawl = doc.get("crawl") or {}
    names = [n for n in ent.get("names") or () if isinstance(n, str) and n.strip()]
    cities = [c for c in (_location_name(x) for x in ent.get("locations") or ()) if c]
    keys = AdKeys(
        id=str(doc["id"]),
        phones={p.strip() for p in ent.get("phones") or () if isinstance(p, str) and p.strip()},
        # lower() (not fold): the ads mapping's lowercase normalizer must count the same values
        emails={e.strip().lower() for e in ent.get("emails") or () if isinstance(e, str) and e.strip()},
        names=sorted(dict.fromkeys(n.strip() for n in names)),
        cities=sorted(dict.fromkeys(c.strip() for c in cities)),
        ages=sorted({int(a) for a in ent.get("ages") or () if isinstance(a, int | float)}),
        site=str(doc.get("site") or ""),
        first_seen=crawl.get("first_seen") or doc.get("posted_at"),
        last_seen=crawl.get("last_seen") or crawl.get("first_seen") or doc.get("posted_at"),
        risk={
            k: float(v)
            for k, v in (doc.get("risk") or {}).items()
            if k in ("minor", "trafficking", "priority") and isinstance(v, int | float)
        },
        indicator_codes=sorted({i["code"] for i in doc.get("indicators") or () if isinstance(i, dict) and "code" in i}),
    )
    for handle in ent.get("handles") or ():
        if isinstance(handle, dict) and isinstance(handle.get("handle"), str) and handle["handle"].strip():
            name = handle["handle"].strip().lower()
            keys.handles.add(name)
            keys.handle_keys.add(f"{str(handle.get('platform') or 'unknown').lower()}:{name}")
    for image in _images(doc):
        if isinstance(image.get("sha256"), str) and image["sha256"]:
            keys.sha256s.add(image["sha256"].lower())
        phash = image.get("phash")
        if isinstance(phash, str) and phash:
            try:
                keys.phashes.setdefault(phash.lower(), int(phash, 16))
            except ValueError:
                continue
    keys.photo_chunks = sorted(
        {k for value in keys.phashes.values() for k in photo_chunk_keys(value, cfg.photo.max_distance)}
    )
    keys.gps = photo_positions(doc)
    keys.photo_places = sorted(
        {place_key(gps_cell(p, cfg.gps.max_distance_m), cfg.gps.max_distance_m) for p in keys.gps.values()}
    )
    tokens = text_tokens(str(doc.get("title") or ""), str(doc.get("body") or ""), names, cities)
    if len(tokens) >= cfg.text.min_tokens:
        keys.minhash = minhash(shingles(tokens, cfg.text.shingle_words), cfg.text.num_perm)
        keys.bands = band_keys(keys.minhash, cfg.text.bands, cfg.text.rows)
    return keys
