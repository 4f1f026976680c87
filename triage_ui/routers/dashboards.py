"""Dashboards: ads over time, by indicator, by city, and triage throughput (ES aggregations).

Charts are server-side SVG (render/charts.py + templates/_charts.html): nothing for the
CSP to allow, nothing downloaded, readable when printed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from signaal.ids import utc_iso
from triage_ui.context import utcnow
from triage_ui.deps import Ctx, Principal, audit_log, requires
from triage_ui.render.charts import column_chart, row_chart
from triage_ui.store import breakdowns
from triage_ui.templating import render

router = APIRouter()


def _days(buckets: list[dict]) -> list[tuple[str, float]]:
    return [(b["key_as_string"][5:10], b["doc_count"]) for b in buckets]


def _per_day(field: str) -> dict:
    """A daily date histogram over ``field`` that keeps empty days (the charts need every day)."""
    return {"date_histogram": {"field": field, "calendar_interval": "day", "format": "yyyy-MM-dd", "min_doc_count": 0}}


@router.get("/dashboards")
def dashboards(
    request: Request,
    ctx: Ctx,
    principal: Annotated[Principal, requires("dashboard")],
    days: Annotated[int, Query(ge=7, le=365)] = 60,
) -> Response:
    since = utc_iso(utcnow() - timedelta(days=days))
    ads = ctx.es.search(
        index=ctx.alias("ads"),
        size=0,
        query={"range": {"crawl.first_seen": {"gte": since}}},
        aggs={
            "per_day": _per_day("crawl.first_seen"),
            "indicators": {"terms": {"field": "indicators.code", "size": 20}},
            "cities": {"terms": {"field": "entities.locations.name", "size": 15}},
            "minor_cities": {
                "filter": {"term": {"indicators.category": "minor"}},
                "aggs": {"c": {"terms": {"field": "entities.locations.name", "size": 15}}},
            },
            **breakdowns.aggregations(),
        },
    )["aggregations"]
    decided = ctx.es.search(
        index=ctx.alias("decisions"),
        size=0,
        query={"range": {"decided_at": {"gte": since}}},
        aggs={
            "per_day": _per_day("decided_at"),
            "by": {"terms": {"field": "decision", "size": 10}},
            "users": {"terms": {"field": "user", "size": 20}},
        },
    )["aggregations"]
    audit_log(request, "view", target="dashboards", details={"days": days})
    by_gender = breakdowns.breakdown(ads)
    charts = {
        "Ads first seen per day": column_chart(_days(ads["per_day"]["buckets"])),
        "Decisions per day": column_chart(_days(decided["per_day"]["buckets"])),
        "Ads by indicator": row_chart([(b["key"], b["doc_count"]) for b in ads["indicators"]["buckets"]]),
        "Ads by city": row_chart([(b["key"], b["doc_count"]) for b in ads["cities"]["buckets"]]),
        "Minor signals by city": row_chart([(b["key"], b["doc_count"]) for b in ads["minor_cities"]["c"]["buckets"]]),
        "Decisions by outcome": row_chart([(b["key"], b["doc_count"]) for b in decided["by"]["buckets"]]),
        "Decisions by analyst": row_chart([(b["key"], b["doc_count"]) for b in decided["users"]["buckets"]]),
    }
    for signal in breakdowns.SIGNALS:
        shares = [(g, round(100 * (c.share(signal) or 0))) for g, c in by_gender.overall.cells.items() if c.ads]
        charts[f"Ads with {signal} signals per 100 ads, by gender"] = row_chart(shares)
    return render(request, "dashboards.html", charts=charts, days=days, by_gender=by_gender, genders=breakdowns.GENDERS)
