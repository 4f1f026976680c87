"""Ads per place, from the ads' own geo points (``entities.locations`` with lat/lon from nlp's gazetteer).

Two sources with one result shape: an Elasticsearch aggregation (queue filters, search results: any
number of ads) and a list of ads already loaded (a network page).
"""

from __future__ import annotations

from dataclasses import dataclass

from triage_ui.context import UIContext
from triage_ui.store.ads import CITY_FIELD, LIST_SOURCE, QueueFilters, filter_clauses

MAX_PLACES = 300


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float
    ads: int
    minor: int  # of them, ads with minor signals


def places_aggregation() -> dict:
    """Terms per place name, one ad's locations (for its coordinates) and how many have minor signals."""
    return {
        "terms": {"field": CITY_FIELD, "size": MAX_PLACES},
        "aggs": {
            "where": {"top_hits": {"size": 1, "_source": ["entities.locations"]}},
            "minor": {"filter": {"term": {"indicators.category": "minor"}}},
        },
    }


def _coordinates(locations: list, name: str) -> tuple[float, float] | None:
    for loc in locations or []:
        if isinstance(loc, dict) and loc.get("name") == name:
            try:
                return float(loc["lat"]), float(loc["lon"])
            except (KeyError, TypeError, ValueError):
                return None
    return None


def places_from_aggregation(agg: dict) -> list[Place]:
    places = []
    for bucket in agg["buckets"]:
        hits = bucket["where"]["hits"]["hits"]
        source = hits[0]["_source"] if hits else {}
        point = _coordinates((source.get("entities") or {}).get("locations"), bucket["key"])
        if point is not None:
            places.append(Place(bucket["key"], *point, bucket["doc_count"], bucket["minor"]["doc_count"]))
    return places


def places_from_ads(ads: list[dict]) -> list[Place]:
    counts: dict[str, list] = {}
    for ad in ads:
        minor = any(i.get("category") == "minor" for i in ad.get("indicators") or [])
        for name in {
            loc.get("name") for loc in (ad.get("entities") or {}).get("locations") or [] if isinstance(loc, dict)
        }:
            point = _coordinates((ad.get("entities") or {}).get("locations"), name) if name else None
            if point is None:
                continue
            entry = counts.setdefault(name, [point, 0, 0])
            entry[1] += 1
            entry[2] += int(minor)
    return [Place(name, lat, lon, n, m) for name, ((lat, lon), n, m) in sorted(counts.items())]


def map_page(ctx: UIContext, filters: QueueFilters, user: str, size: int) -> dict:
    """Ads matching ``filters`` (list, by priority) and ads per place for the map.

    The place counts ignore ``filters.city`` (a ``post_filter`` narrows only the list), so the map keeps
    showing every place while the list shows the one clicked."""
    everywhere = QueueFilters(**{**filters.as_params(), "city": None})
    post_filter = {"term": {CITY_FIELD: filters.city}} if filters.city else None
    return ctx.es.search(
        index=ctx.alias("ads"),
        query={"bool": {"filter": filter_clauses(everywhere, user)}},
        post_filter=post_filter,
        sort=[{"priority": {"order": "desc", "missing": "_last"}}],
        size=size,
        source=LIST_SOURCE,
        aggs={"places": places_aggregation()},
        track_total_hits=True,
    )
