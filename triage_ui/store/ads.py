"""Reading ads for the queue, the ad page and related-ad panels.

Fields follow docs/ARCHITECTURE.md. Filters come in as typed values (``QueueFilters``)
and become DSL dicts here; user text never becomes DSL except through
``simple_query_string`` in ``store.search``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

from elasticsearch import NotFoundError

from linking.config import default_config
from linking.keys import distance_m, hamming, photo_chunk_keys, photo_positions
from signaal.ids import utc_iso
from triage_ui.context import UIContext, utcnow

STATUSES = ("new", "lead", "not_relevant", "escalate_minor", "needs_review")
DECISIONS = STATUSES[1:]
SEEN_FIELD = "crawl.first_seen"
CITY_FIELD = "entities.locations.name"
GENDER_FIELD = "entities.genders"
#: The advertised person's gender as the ad presents it (nlp); ads that say nothing count as "unknown".
GENDERS = ("female", "male", "trans", "unknown")
RISK_BUCKETS = ((0.0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1.01))
DATE_BUCKETS = (("24h", 1), ("7d", 7), ("30d", 30))
#: Links read per ad page; a cluster bigger than this is explored on the network page instead.
MAX_LINKED = 200
#: Kinds of link whose value is worth showing (a photo hash is not).
SHOWN_VALUE = {"phone": "same phone", "email": "same e-mail", "handle": "same handle"}
LIST_SOURCE = [
    "id",
    "site",
    "title",
    "priority",
    "risk",
    "indicators.code",
    "indicators.category",
    "entities.locations.name",
    "entities.ages",
    "entities.genders",
    "language",
    "triage",
    "crawl.first_seen",
    "posted_at",
    "cluster",
]


@dataclass
class QueueFilters:
    """Queue/search filters; every field is a plain value validated by the router."""

    site: str | None = None
    city: str | None = None
    gender: str | None = None
    indicator: str | None = None
    status: str | None = "new"
    language: str | None = None
    risk_min: float | None = None
    risk_max: float | None = None
    seen_within_days: int | None = None
    seen_from: str | None = None  # YYYY-MM-DD, first seen on or after (map and network time filter)
    seen_to: str | None = None  # YYYY-MM-DD, first seen on or before
    assigned: str | None = None  # "me" | "unassigned"

    def as_params(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


def undecided_query() -> dict:
    return {
        "bool": {
            "should": [
                {"term": {"triage.status": "new"}},
                {"bool": {"must_not": {"exists": {"field": "triage.status"}}}},
            ],
            "minimum_should_match": 1,
        }
    }


def filter_clauses(filters: QueueFilters, user: str) -> list[dict]:
    clauses: list[dict] = []
    for field, value in (
        ("site", filters.site),
        (CITY_FIELD, filters.city),
        ("indicators.code", filters.indicator),
        ("language", filters.language),
    ):
        if value:
            clauses.append({"term": {field: value}})
    if filters.gender == "unknown":
        clauses.append({"bool": {"must_not": {"exists": {"field": GENDER_FIELD}}}})
    elif filters.gender:
        clauses.append({"term": {GENDER_FIELD: filters.gender}})
    if filters.status == "new":
        clauses.append(undecided_query())
    elif filters.status in DECISIONS:
        clauses.append({"term": {"triage.status": filters.status}})
    risk = {k: v for k, v in (("gte", filters.risk_min), ("lt", filters.risk_max)) if v is not None}
    if risk:
        clauses.append({"range": {"priority": risk}})
    if filters.seen_within_days:
        since = utcnow() - timedelta(days=filters.seen_within_days)
        clauses.append({"range": {SEEN_FIELD: {"gte": utc_iso(since)}}})
    # whole days: "||/d" rounds gte down to the day's start and lte up to its end
    seen = {k: f"{v}||/d" for k, v in (("gte", filters.seen_from), ("lte", filters.seen_to)) if v}
    if seen:
        clauses.append({"range": {SEEN_FIELD: {**seen, "format": "yyyy-MM-dd"}}})
    if filters.assigned == "me":
        clauses.append({"term": {"triage.assigned_to": user}})
    elif filters.assigned == "unassigned":
        clauses.append({"bool": {"must_not": {"exists": {"field": "triage.assigned_to"}}}})
    return clauses


def facet_aggs() -> dict:
    now = utcnow()
    return {
        "site": {"terms": {"field": "site", "size": 20}},
        "city": {"terms": {"field": CITY_FIELD, "size": 15}},
        "gender": {"terms": {"field": GENDER_FIELD, "size": len(GENDERS), "missing": "unknown"}},
        "indicator": {"terms": {"field": "indicators.code", "size": 25}},
        "status": {"terms": {"field": "triage.status", "size": 10, "missing": "new"}},
        "language": {"terms": {"field": "language", "size": 10}},
        "risk": {
            "range": {
                "field": "priority",
                "ranges": [{"key": f"{lo:.2f}-{min(hi, 1):.2f}", "from": lo, "to": hi} for lo, hi in RISK_BUCKETS],
            }
        },
        "seen": {
            "range": {
                "field": SEEN_FIELD,
                "ranges": [{"key": key, "from": utc_iso(now - timedelta(days=days))} for key, days in DATE_BUCKETS],
            }
        },
        # "how many are left" in the same round trip, independent of the page's filters
        "all": {"global": {}, "aggs": {"undecided": {"filter": undecided_query()}}},
    }


def queue_page(
    ctx: UIContext,
    filters: QueueFilters,
    user: str,
    *,
    offset: int = 0,
    size: int = 50,
    extra_must: list[dict] | None = None,
    facets: bool = True,
    extra_aggs: dict | None = None,
) -> dict:
    """One page of ads by priority (undecided first) with facet counts and the total left."""
    query = {"bool": {"filter": filter_clauses(filters, user), "must": extra_must or []}}
    sort = [{"priority": {"order": "desc", "missing": "_last"}}, {SEEN_FIELD: {"order": "desc", "missing": "_last"}}]
    if extra_must:  # full-text search: relevance first
        sort = ["_score", *sort]
    resp = ctx.es.search(
        index=ctx.alias("ads"),
        query=query,
        sort=sort,
        from_=offset,
        size=size,
        source=LIST_SOURCE,
        aggs={**facet_aggs(), **(extra_aggs or {})} if facets else extra_aggs,
        track_total_hits=True,
        seq_no_primary_term=True,
    )
    return resp


def get_ad(ctx: UIContext, ad_id: str, source: list[str] | None = None) -> dict | None:
    """The ad with its ``_seq_no``/``_primary_term`` (kept for the optimistic decision); only ``source`` fields
    when given."""
    try:
        return ctx.es.get(index=ctx.alias("ads"), id=ad_id, source_includes=source)
    except NotFoundError:
        return None


def get_ads(ctx: UIContext, ad_ids: list[str]) -> list[dict]:
    if not ad_ids:
        return []
    resp = ctx.es.mget(index=ctx.alias("ads"), ids=ad_ids)
    return [doc for doc in resp["docs"] if doc.get("found")]


def next_undecided(ctx: UIContext, exclude: str) -> str | None:
    resp = ctx.es.search(
        index=ctx.alias("ads"),
        size=1,
        source=False,
        query={"bool": {"filter": [undecided_query()], "must_not": [{"ids": {"values": [exclude]}}]}},
        sort=[{"priority": {"order": "desc", "missing": "_last"}}],
    )
    hits = resp["hits"]["hits"]
    return hits[0]["_id"] if hits else None


def versions(ctx: UIContext, ad_id: str, current_version: int, limit: int = 20) -> list[dict]:
    """Earlier versions (``<ad id>:v<n>``), oldest first."""
    first = max(1, current_version - limit)
    ids = [f"{ad_id}:v{n}" for n in range(first, current_version)]
    if not ids:
        return []
    try:
        resp = ctx.es.mget(index=ctx.alias("ad-versions"), ids=ids)
    except NotFoundError:
        return []
    out = []
    for doc in resp["docs"]:
        if doc.get("found"):  # stored as {ad_id, version, ..., ad: <the old record>}
            old = doc["_source"].get("ad") or doc["_source"]
            old.setdefault("crawl", {}).setdefault("version", doc["_source"].get("version"))
            out.append(old)
    return out


def images_of(ad: dict) -> list[dict]:
    return [img if isinstance(img, dict) else {"url": img} for img in ad.get("images") or []]


def related(ctx: UIContext, ad: dict, size: int = 25) -> list[dict]:
    """Ads linked to this one, each with why, highest priority first.

    Two sources, merged: the links index (what linking verified, including near-identical photos and
    texts with their distance) and a live query on shared values, so an ad crawled after the last
    ``signaal link`` run still shows the ads sharing its phone, e-mail, handle or photo file, and its
    similar photos and photos taken nearby by linking's own rules (Hamming distance of the perceptual
    hashes, metres between EXIF GPS positions; linking.yaml).
    """
    reasons: dict[str, list[str]] = {}
    for other_id, reason in _linked(ctx, ad["id"]):
        reasons.setdefault(other_id, []).append(reason)
    sources: dict[str, dict] = {}
    keys = _value_keys(ad)
    for hit in _sharing_values(ctx, ad["id"], keys, size, _photo_clauses(ad)):
        sources[hit["_id"]] = hit["_source"]
        known = reasons.setdefault(hit["_id"], [])
        found = [*_link_reasons(keys, hit["_source"]), *_photo_reasons(ad, hit["_source"])]
        known += [r for r in found if r not in known]
    missing = [i for i in reasons if i not in sources][:MAX_LINKED]
    if missing:
        resp = ctx.es.mget(index=ctx.alias("ads"), ids=missing, source=LIST_SOURCE)
        sources.update({doc["_id"]: doc["_source"] for doc in resp["docs"] if doc.get("found")})
    out = [
        {
            "id": ad_id,
            "title": other.get("title"),
            "site": other.get("site"),
            "priority": other.get("priority"),
            "status": (other.get("triage") or {}).get("status"),
            "reasons": reasons[ad_id],
        }
        for ad_id, other in sources.items()
        if reasons.get(ad_id)
    ]
    out.sort(key=lambda r: (-(r["priority"] or 0.0), r["id"]))
    return out[:size]


def _linked(ctx: UIContext, ad_id: str) -> list[tuple[str, str]]:
    """(other ad id, reason) for every link naming ``ad_id`` in the links index (none before linking ran)."""
    try:
        resp = ctx.es.search(
            index=ctx.alias("links"),
            size=MAX_LINKED,
            query={"term": {"ad_ids": ad_id}},
            source=["kind", "value", "distance", "similarity", "ad_ids"],
        )
    except NotFoundError:
        return []
    out = []
    for hit in resp["hits"]["hits"]:
        link = hit["_source"]
        reason = _link_label(link)
        out += [(other, reason) for other in link.get("ad_ids") or () if other != ad_id]
    return out


def _link_label(link: dict) -> str:
    kind = link.get("kind")
    if kind in SHOWN_VALUE and link.get("value"):
        return f"{SHOWN_VALUE[kind]}: {link['value']}"
    if kind == "image_sha256":
        return "same photo"
    if kind == "image_phash":
        distance = link.get("distance")
        return f"similar photo ({distance}/64 bits differ)" if distance else "similar photo"
    if kind == "photo_gps":
        return f"photos taken {link.get('distance', '?')} m apart (GPS)"
    if kind == "text":
        similarity = link.get("similarity")
        return f"near-identical text (~{similarity:.0%} shared)" if similarity else "near-identical text"
    return str(kind or "linked")


def _value_keys(ad: dict) -> list[tuple[str, str, list[str]]]:
    """(field, label, this ad's values) for the live shared-value query."""
    ents = ad.get("entities") or {}
    keys: list[tuple[str, str, list[str]]] = [
        ("entities.phones", "same phone", ents.get("phones") or []),
        ("entities.emails", "same e-mail", ents.get("emails") or []),
        (
            "entities.handles.handle",
            "same handle",
            [h.get("handle") for h in ents.get("handles") or [] if isinstance(h, dict) and h.get("handle")],
        ),
        ("images.sha256", "same photo", [i["sha256"] for i in images_of(ad) if i.get("sha256")]),
        ("text_minhash.bands", "near-identical text", (ad.get("text_minhash") or {}).get("bands") or []),
    ]
    cluster_id = (ad.get("cluster") or {}).get("id")
    if cluster_id:
        keys.append(("cluster.id", "same cluster", [cluster_id]))
    return keys


def _phashes(ad: dict) -> dict[str, int]:
    """The ad's perceptual hashes, hex -> int (malformed ones skipped: records are untrusted input)."""
    out = {}
    for image in images_of(ad):
        with contextlib.suppress(TypeError, ValueError):
            out[str(image.get("phash")).lower()] = int(image.get("phash"), 16)
    return out


def _photo_clauses(ad: dict) -> list[dict]:
    """Candidates for linking's photo rules: exact and chunk-sharing perceptual hashes (``photo_chunks``,
    linking's multi-index keys), and photos taken within ``gps.max_distance_m`` (``geo_distance``)."""
    cfg = default_config()
    hashes = _phashes(ad)
    chunks = sorted({k for value in hashes.values() for k in photo_chunk_keys(value, cfg.photo.max_distance)})
    clauses: list[dict] = (
        [{"terms": {"images.phash": sorted(hashes)}}, {"terms": {"photo_chunks": chunks}}] if hashes else []
    )
    for lat, lon in list(photo_positions(ad).values())[:10]:
        clauses.append(
            {"geo_distance": {"distance": f"{cfg.gps.max_distance_m}m", "images.exif.gps": {"lat": lat, "lon": lon}}}
        )
    return clauses


def _photo_reasons(ad: dict, other: dict) -> list[str]:
    """ "similar photo" and "photos taken nearby" between two ads, decided by linking's rules and thresholds."""
    cfg = default_config()
    reasons = []
    mine, theirs = _phashes(ad).values(), _phashes(other).values()
    bits = min((hamming(a, b) for a in mine for b in theirs), default=None)
    if bits is not None and bits <= cfg.photo.max_distance:
        reasons.append(_link_label({"kind": "image_phash", "distance": bits}))
    here, there = photo_positions(ad).values(), photo_positions(other).values()
    metres = min((distance_m(a, b) for a in here for b in there), default=None)
    if metres is not None and metres <= cfg.gps.max_distance_m:
        reasons.append(_link_label({"kind": "photo_gps", "distance": round(metres)}))
    return reasons


def _sharing_values(
    ctx: UIContext, ad_id: str, keys: list[tuple[str, str, list[str]]], size: int, photo: list[dict]
) -> list[dict]:
    """The highest-priority ads sharing any of ``keys``' values with the ad, or a photo by linking's rules
    (one ``bool`` query)."""
    should = [{"terms": {field: values[:200]}} for field, _, values in keys if values] + photo
    if not should:
        return []
    resp = ctx.es.search(
        index=ctx.alias("ads"),
        size=size,
        query={"bool": {"should": should, "minimum_should_match": 1, "must_not": [{"ids": {"values": [ad_id]}}]}},
        sort=[{"priority": {"order": "desc", "missing": "_last"}}],
        source=[*LIST_SOURCE, "entities", "images", "text_minhash.bands"],
    )
    return resp["hits"]["hits"]


def _values(doc: dict, dotted: str) -> set[str]:
    """All values at a dotted path, walking lists (``entities.handles.handle``)."""
    current: list[Any] = [doc]
    for part in dotted.split("."):
        nxt: list[Any] = []
        for item in current:
            value = item.get(part) if isinstance(item, dict) else None
            nxt.extend(value if isinstance(value, list) else [value] if value is not None else [])
        current = nxt
    return {str(v) for v in current}


def _link_reasons(keys: list[tuple[str, str, list[str]]], other: dict) -> list[str]:
    reasons = []
    for field, label, values in keys:
        shared = _values(other, field) & {str(v) for v in values}
        if not shared:
            continue
        if field in ("text_minhash.bands", "images.sha256", "cluster.id"):
            reasons.append(label)
        else:
            reasons.append(f"{label}: {', '.join(sorted(shared)[:3])}")
    return reasons
