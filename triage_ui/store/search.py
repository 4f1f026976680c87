"""Investigator search: safe full text, entity lookups, photo metadata, saved searches/watches and the inbox.

Full text goes through ``signaal.es.text_query.full_text_clause`` (exact words, plus Dutch or
English stems in the ad's own language) as ``simple_query_string`` with a fixed flag set (it
never raises on bad syntax and cannot reach scripts, regexes or fuzzy expansion); entity values
are normalized (phones to E.164 with phonenumbers) and used in ``term`` queries. Photo
metadata from the photos' EXIF: ``camera`` (make, model or both, as the ad page shows them)
and ``near`` (a position typed as "lat, lon[, radius]", parsed into numbers, searched with
``geo_distance``); nothing a user types is ever spliced into query text.
"""

from __future__ import annotations

import contextlib
import math
import re
from dataclasses import dataclass

import phonenumbers
from elasticsearch import ConflictError, NotFoundError

from signaal.es.text_query import full_text_clause
from signaal.ids import utc_iso
from triage_ui.context import UIContext, utcnow

KINDS = ("text", "phone", "email", "handle", "city", "camera", "near")
KIND_LABELS = {
    "text": "text",
    "phone": "phone number",
    "email": "e-mail",
    "handle": "handle",
    "city": "city",
    "camera": "photo camera",
    "near": "photos taken near (lat, lon)",
}
CAMERA_FIELDS = ("images.exif.camera", "images.exif.model", "images.exif.make")
GPS_FIELD = "images.exif.gps"
NEAR_DEFAULT_M, NEAR_MAX_M = 100, 50_000
_NEAR = re.compile(
    r"^\s*(?P<lat>[-+]?\d{1,2}(?:\.\d+)?)\s*[,;\s]\s*(?P<lon>[-+]?\d{1,3}(?:\.\d+)?)"
    r"(?:\s*[,;\s]\s*(?P<radius>\d+(?:\.\d+)?)\s*(?P<unit>km|m)?)?\s*$",
    re.IGNORECASE,
)
SAFE_FLAGS = "AND|OR|NOT|PHRASE|PREFIX|PRECEDENCE|WHITESPACE|ESCAPE"
DEFAULT_REGION = "NL"


class SearchError(ValueError):
    """The user's query cannot be run as given (shown as a one-line message)."""


@dataclass(frozen=True)
class EntityQuery:
    kind: str
    value: str  # normalized

    def clause(self) -> dict:
        if self.kind == "camera":
            return {"bool": {"should": [{"term": {f: self.value}} for f in CAMERA_FIELDS], "minimum_should_match": 1}}
        if self.kind == "near":
            lat, lon, metres = parse_near(self.value)
            return {"geo_distance": {"distance": f"{metres}m", GPS_FIELD: {"lat": lat, "lon": lon}}}
        if self.kind == "text":
            return full_text_clause(self.value, flags=SAFE_FLAGS)
        field = {
            "phone": "entities.phones",
            "email": "entities.emails",
            "handle": "entities.handles.handle",
            "city": "entities.locations.name",
        }[self.kind]
        return {"term": {field: self.value}}


def normalize_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """Any common spelling ("06-1234 0001", "+31 (0)6 12340001", "0031612340001") -> E.164."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise SearchError(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_possible_number(number):
        raise SearchError(f"not a possible phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_near(raw: str) -> tuple[float, float, int]:
    """ "52.0907, 5.1214" or "52.0907 5.1214 2km" -> (lat, lon, radius in metres; default NEAR_DEFAULT_M)."""
    match = _NEAR.match(raw)
    if match is None:
        raise SearchError('type a position as "lat, lon" (decimal degrees), optionally a radius: "52.09, 5.12, 500m"')
    lat, lon = float(match["lat"]), float(match["lon"])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise SearchError(f"not a position on earth: {lat}, {lon}")
    radius = (
        float(match["radius"]) * (1000 if (match["unit"] or "m").lower() == "km" else 1)
        if match["radius"]
        else NEAR_DEFAULT_M
    )
    if not math.isfinite(radius) or not 1 <= radius <= NEAR_MAX_M:
        raise SearchError(f"radius must be between 1 m and {NEAR_MAX_M // 1000} km")
    return lat, lon, round(radius)


def parse(kind: str, raw: str) -> EntityQuery:
    value = (raw or "").strip()
    if kind not in KINDS:
        raise SearchError(f"unknown search kind {kind!r}")
    if not value:
        raise SearchError("type something to search for")
    if len(value) > 500:
        raise SearchError("query is limited to 500 characters")
    if kind == "phone":
        value = normalize_phone(value)
    elif kind in ("email", "handle"):
        value = value.lower().lstrip("@") if kind == "handle" else value.lower()
    elif kind == "camera":
        value = " ".join(value.lower().split())
    elif kind == "near":
        lat, lon, metres = parse_near(value)
        value = f"{lat:.6f},{lon:.6f},{metres}m"
    return EntityQuery(kind, value)


# --- saved searches and watches -------------------------------------------------------------


def save(ctx: UIContext, user: str, name: str, query: EntityQuery) -> str:
    now = utc_iso(utcnow())
    resp = ctx.es.index(
        index=ctx.alias("saved-searches"),
        refresh="wait_for",
        document={
            "user": user,
            "name": name[:120] or query.value[:120],
            "kind": query.kind,
            "query": query.value,
            "filters": {},
            "created_at": now,
            "last_checked": now,
        },
    )
    return resp["_id"]


def list_saved(ctx: UIContext, user: str) -> list[dict]:
    resp = ctx.es.search(
        index=ctx.alias("saved-searches"), query={"term": {"user": user}}, size=200, sort=[{"created_at": "desc"}]
    )
    return [{"id": h["_id"], **h["_source"]} for h in resp["hits"]["hits"]]


def get_saved(ctx: UIContext, user: str, saved_id: str) -> dict | None:
    """The saved search if it exists *and belongs to ``user``* (object-level check)."""
    try:
        doc = ctx.es.get(index=ctx.alias("saved-searches"), id=saved_id)
    except NotFoundError:
        return None
    return {"id": doc["_id"], **doc["_source"]} if doc["_source"].get("user") == user else None


def delete_saved(ctx: UIContext, saved_id: str) -> None:
    with contextlib.suppress(NotFoundError):
        ctx.es.delete(index=ctx.alias("saved-searches"), id=saved_id, refresh="wait_for")


def _new_since(since: str) -> dict:
    """Ads that reached the index after ``since`` (indexed_at; first_seen when not recorded)."""
    return {
        "bool": {
            "should": [
                {"range": {"indexed_at": {"gt": since}}},
                {
                    "bool": {
                        "must_not": {"exists": {"field": "indexed_at"}},
                        "filter": {"range": {"crawl.first_seen": {"gt": since}}},
                    }
                },
            ],
            "minimum_should_match": 1,
        }
    }


def refresh_inbox(ctx: UIContext, user: str) -> int:
    """Turn new matches of the user's saved searches into alert docs; return how many were new."""
    created = 0
    for saved in list_saved(ctx, user):
        now = utc_iso(utcnow())
        query = EntityQuery(saved["kind"], saved["query"])
        resp = ctx.es.search(
            index=ctx.alias("ads"),
            size=200,
            source=["title", "crawl.first_seen"],
            query={"bool": {"must": [query.clause()], "filter": [_new_since(saved["last_checked"])]}},
        )
        for hit in resp["hits"]["hits"]:
            try:
                ctx.es.create(
                    index=ctx.alias("alerts"),
                    id=f"{saved['id']}:{hit['_id']}",
                    document={
                        "user": user,
                        "search_id": saved["id"],
                        "search_name": saved["name"],
                        "ad_id": hit["_id"],
                        "ad_title": hit["_source"].get("title"),
                        "first_seen": (hit["_source"].get("crawl") or {}).get("first_seen"),
                        "created_at": now,
                        "dismissed": False,
                    },
                )
                created += 1
            except ConflictError:
                continue  # already in the inbox
        ctx.es.update(index=ctx.alias("saved-searches"), id=saved["id"], doc={"last_checked": now})
    ctx.es.indices.refresh(index=ctx.alias("alerts"))
    return created
