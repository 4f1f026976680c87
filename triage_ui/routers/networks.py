"""Network page per cluster: the graph of who links to whom and why, where (map) and when (timeline) it
operates, its names, cities, phones, genders, and its ads (filtered by a place clicked on the map or a
date range)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Annotated

from elasticsearch import NotFoundError
from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import Response

from triage_ui.context import parse_iso
from triage_ui.deps import Ctx, Principal, audit_log, requires
from triage_ui.render.geomap import draw_map
from triage_ui.render.network_graph import SIMILAR_REASONS, build_graph
from triage_ui.render.photos import photo_facts
from triage_ui.store.breakdowns import genders_of
from triage_ui.store.places import places_from_ads
from triage_ui.templating import render

router = APIRouter()
TIMELINE_W, ROW_H, LEFT = 900, 26, 150
MAX_ADS = 500


def _timeline(ads: list[dict]) -> dict:
    """Dots per ad: x = first seen, one row per city — where and when the network is active."""
    points = []
    for ad in ads:
        seen = parse_iso((ad.get("crawl") or {}).get("first_seen") or ad.get("posted_at"))
        cities = [loc.get("name") for loc in (ad.get("entities") or {}).get("locations") or [] if loc.get("name")]
        if seen:
            points.append((seen, cities[0] if cities else "unknown", ad))
    if not points:
        return {"rows": [], "dots": [], "height": 0, "width": TIMELINE_W}
    lo, hi = min(p[0] for p in points), max(p[0] for p in points)
    span = (hi - lo).total_seconds() or 1
    rows = sorted({city for _, city, _ in points})
    plot_w = TIMELINE_W - LEFT - 20
    dots = [
        {
            "x": LEFT + plot_w * (seen - lo).total_seconds() / span,
            "y": rows.index(city) * ROW_H + ROW_H / 2,
            "id": ad["id"],
            "label": f"{ad.get('title', '')} · {seen:%Y-%m-%d %H:%M}",
            "minor": any(i.get("category") == "minor" for i in ad.get("indicators") or []),
        }
        for seen, city, ad in points
    ]
    return {
        "rows": [{"name": r, "y": i * ROW_H + ROW_H / 2} for i, r in enumerate(rows)],
        "dots": dots,
        "height": len(rows) * ROW_H + 24,
        "width": TIMELINE_W,
        "start": lo,
        "end": hi,
        "left": LEFT,
    }


def _similarity_links(ctx: Ctx, ad_ids: list[str]) -> list[dict]:
    """Near-identical photo and text links between these ads (written pairwise by ``signaal link``)."""
    query = {"bool": {"filter": [{"terms": {"kind": list(SIMILAR_REASONS)}}, {"terms": {"ad_ids": ad_ids}}]}}
    try:
        resp = ctx.es.search(
            index=ctx.alias("links"), query=query, size=10_000, source=["kind", "ad_ids", "distance", "similarity"]
        )
    except NotFoundError:
        return []
    return [hit["_source"] for hit in resp["hits"]["hits"]]


def _first_seen(ad: dict) -> str:
    return str((ad.get("crawl") or {}).get("first_seen") or ad.get("posted_at") or "")


def _in_time(ads: list[dict], since: date | None, until: date | None) -> list[dict]:
    return [
        ad
        for ad in ads
        if (since is None or _first_seen(ad)[:10] >= since.isoformat())
        and (until is None or _first_seen(ad)[:10] <= until.isoformat())
    ]


def _at(ads: list[dict], city: str | None) -> list[dict]:
    if not city:
        return ads
    return [
        ad for ad in ads if any(loc.get("name") == city for loc in (ad.get("entities") or {}).get("locations") or [])
    ]


@router.get("/networks/{cluster_id}")
def network(
    request: Request,
    ctx: Ctx,
    cluster_id: str,
    principal: Annotated[Principal, requires("network")],
    city: Annotated[str | None, Query(max_length=80)] = None,
    since: Annotated[date | None, Query()] = None,
    until: Annotated[date | None, Query()] = None,
) -> Response:
    resp = ctx.es.search(
        index=ctx.alias("ads"),
        query={"term": {"cluster.id": cluster_id}},
        size=MAX_ADS,
        sort=[{"crawl.first_seen": {"order": "asc", "missing": "_last"}}],
        source_excludes=["text_minhash", "photo_chunks", "body"],
    )
    ads = [{**hit["_source"], "id": hit["_id"]} for hit in resp["hits"]["hits"]]
    if not ads:
        raise HTTPException(404, "No such network.")
    try:
        cluster = ctx.es.get(index=ctx.alias("clusters"), id=cluster_id)["_source"]
    except NotFoundError:
        cluster = {}
    kinds = ("names", "cities", "phones", "emails", "handles", "ages", "cameras", "positions")
    counts: dict[str, Counter] = {k: Counter() for k in kinds}
    for ad in ads:
        ents = ad.get("entities") or {}
        counts["names"].update(ents.get("names") or [])
        counts["cities"].update(loc.get("name") for loc in ents.get("locations") or [] if loc.get("name"))
        counts["phones"].update(ents.get("phones") or [])
        counts["emails"].update(ents.get("emails") or [])
        counts["handles"].update(f"{h.get('platform')}:{h.get('handle')}" for h in ents.get("handles") or [])
        counts["ages"].update(str(a) for a in ents.get("ages") or [])
        photos = [photo_facts(image) for image in ad.get("images") or [] if isinstance(image, dict)]
        counts["cameras"].update({p["camera"] for p in photos if p["camera"]})  # once per ad
        counts["positions"].update({p["position"] for p in photos if p["position"]})
    in_time = _in_time(ads, since, until)
    listed = _at(in_time, city)
    params = {k: v for k, v in request.query_params.items() if k in ("city", "since", "until")}
    audit_log(request, "view", target=cluster_id, kind="cluster", details={"filters": params} if params else None)
    return render(
        request,
        "network.html",
        cluster_id=cluster_id,
        cluster=cluster,
        ads=ads,
        listed=listed,
        counts={k: v.most_common(25) for k, v in counts.items()},
        genders=genders_of(ads),
        timeline=_timeline(ads),
        graph=build_graph(ads, _similarity_links(ctx, [ad["id"] for ad in ads])),
        geo=draw_map(places_from_ads(in_time), ctx.settings.basemap),
        params=params,
        city=city,
        since=since,
        until=until,
    )
