"""The triage queue: ads by priority, filters with facet counts, bulk decide/assign."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import Response

from triage_ui.deps import Ctx, Principal, audit_log, requires
from triage_ui.routers.common import AdToken, record_override
from triage_ui.store import ads as ads_store
from triage_ui.store.decisions import Decision, DecisionConflict, assign, decide
from triage_ui.templating import render

router = APIRouter()
Code = Annotated[str | None, Query(max_length=80, pattern=r"^[\w .:'-]*$")]
Gender = Annotated[Literal[*ads_store.GENDERS] | None, Query()]
Day = Annotated[date | None, Query()]


def queue_filters(
    site: Code = None,
    city: Code = None,
    gender: Gender = None,
    indicator: Code = None,
    status: Annotated[Literal["new", "all", *ads_store.DECISIONS], Query()] = "new",
    language: Code = None,
    risk_min: Annotated[float | None, Query(ge=0, le=1)] = None,
    risk_max: Annotated[float | None, Query(ge=0, le=1.01)] = None,
    seen: Annotated[Literal["24h", "7d", "30d"] | None, Query()] = None,
    assigned: Annotated[Literal["me", "unassigned"] | None, Query()] = None,
    since: Day = None,
    until: Day = None,
) -> ads_store.QueueFilters:
    days = {"24h": 1, "7d": 7, "30d": 30}.get(seen or "")
    return ads_store.QueueFilters(
        site=site or None,
        city=city or None,
        gender=gender,
        indicator=indicator or None,
        status=None if status == "all" else status,
        language=language or None,
        risk_min=risk_min,
        risk_max=risk_max,
        seen_within_days=days,
        seen_from=since.isoformat() if since else None,
        seen_to=until.isoformat() if until else None,
        assigned=assigned,
    )


@router.get("/queue")
def queue(
    request: Request,
    ctx: Ctx,
    principal: Annotated[Principal, requires("queue")],
    filters: Annotated[ads_store.QueueFilters, Depends(queue_filters)],
    page: Annotated[int, Query(ge=1, le=200)] = 1,
    message: Annotated[str | None, Query()] = None,
) -> Response:
    size = ctx.settings.page_size
    resp = ads_store.queue_page(ctx, filters, principal.name, offset=(page - 1) * size, size=size)
    total = resp["hits"]["total"]["value"]
    remaining = resp["aggregations"]["all"]["undecided"]["doc_count"]
    audit_log(request, "view", target="queue", details={"filters": filters.as_params(), "page": page})
    params = {k: v for k, v in request.query_params.items() if k not in ("page", "message")}
    return render(
        request,
        "queue.html",
        hits=resp["hits"]["hits"],
        facets=resp["aggregations"],
        total=total,
        remaining=remaining,
        page=page,
        size=size,
        filters=filters,
        params=params,
        seen=request.query_params.get("seen"),
        token=AdToken.from_hit,
        message=message,
        decisions=ads_store.DECISIONS,
    )


@router.post("/queue/bulk")
def bulk(
    request: Request,
    ctx: Ctx,
    principal: Annotated[Principal, requires("decide")],
    action: Annotated[Literal["assign", *ads_store.DECISIONS], Form()],
    selected: Annotated[list[str], Form(max_length=400)] = (),
) -> Response:
    """Decide or assign many ads; each one keeps its own optimistic-concurrency check."""
    done, conflicts = [], []
    for raw in list(selected)[:200]:
        token = AdToken.decode(raw)
        hit = ads_store.get_ad(ctx, token.ad_id)
        if hit is None:
            continue
        previous = hit["_source"].get("triage") or {}
        try:
            if action == "assign":
                assign(
                    ctx,
                    token.ad_id,
                    user=principal.name,
                    seq_no=token.seq_no,
                    primary_term=token.primary_term,
                    stamp=token.stamp,
                    previous_triage=previous,
                    take_over=principal.can("assign_any"),
                )
            else:
                _, overridden = decide(
                    ctx,
                    Decision(token.ad_id, action),
                    user=principal.name,
                    role=principal.role,
                    seq_no=token.seq_no,
                    primary_term=token.primary_term,
                    stamp=token.stamp,
                    previous_triage=previous,
                    cluster_id=(hit["_source"].get("cluster") or {}).get("id"),
                )
                record_override(request, ctx, {**hit["_source"], "id": token.ad_id}, overridden, action)
            done.append(token.ad_id)
        except DecisionConflict:
            conflicts.append(token.ad_id)
    audit_log(
        request,
        "assign" if action == "assign" else "decision",
        target="bulk",
        outcome="conflict" if conflicts else "ok",
        details={"action": action, "ads": done, "conflicts": conflicts},
    )
    return render(
        request, "bulk_done.html", 409 if conflicts and not done else 200, action=action, done=done, conflicts=conflicts
    )
