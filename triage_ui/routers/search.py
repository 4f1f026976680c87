"""Search (POST only: phones and names never end up in URLs), saved searches, watches, inbox."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from triage_ui.deps import Ctx, Principal, audit_log, requires
from triage_ui.render.geomap import draw_map
from triage_ui.routers.common import AdToken
from triage_ui.store import ads as ads_store
from triage_ui.store import alerts as alerts_store
from triage_ui.store import search as store
from triage_ui.store.places import places_aggregation, places_from_aggregation
from triage_ui.templating import render

router = APIRouter()
Searcher = Annotated[Principal, requires("search")]
Facet = Annotated[str, Form(max_length=80)]


def _page(
    request: Request,
    ctx: Ctx,
    principal: Principal,
    *,
    kind: str = "text",
    q: str = "",
    filters: ads_store.QueueFilters | None = None,
    error: str | None = None,
    page: int = 1,
    status_code: int = 200,
) -> Response:
    results = None
    if q and error is None:
        try:
            query = store.parse(kind, q)
        except store.SearchError as exc:
            error = str(exc)
        else:
            filters = filters or ads_store.QueueFilters(status=None)
            size = ctx.settings.page_size
            results = ads_store.queue_page(
                ctx,
                filters,
                principal.name,
                offset=(page - 1) * size,
                size=size,
                extra_must=[query.clause()],
                extra_aggs={"places": places_aggregation()},
            )
            audit_log(
                request,
                "search",
                target=kind,
                kind="search",
                details={
                    "kind": kind,
                    "query": query.value,
                    "filters": filters.as_params(),
                    "hits": results["hits"]["total"]["value"],
                },
            )
    places = places_from_aggregation(results["aggregations"]["places"]) if results else []
    return render(
        request,
        "search.html",
        400 if error else status_code,
        geo=draw_map(places, ctx.settings.basemap) if results else None,
        kind=kind,
        q=q,
        error=error,
        results=results,
        filters=filters or ads_store.QueueFilters(status=None),
        kinds=store.KINDS,
        kind_labels=store.KIND_LABELS,
        saved=store.list_saved(ctx, principal.name),
        token=AdToken.from_hit,
        page=page,
    )


@router.get("/search")
def search_form(request: Request, ctx: Ctx, principal: Searcher) -> Response:
    return _page(request, ctx, principal)


@router.post("/search")
def search(
    request: Request,
    ctx: Ctx,
    principal: Searcher,
    kind: Annotated[Literal[*store.KINDS], Form()] = "text",
    q: Annotated[str, Form(max_length=500)] = "",
    site: Facet = "",
    city: Facet = "",
    gender: Annotated[Literal["", *ads_store.GENDERS], Form()] = "",
    indicator: Facet = "",
    status: Annotated[Literal["", "new", *ads_store.DECISIONS], Form()] = "",
    page: Annotated[int, Form(ge=1, le=200)] = 1,
) -> Response:
    filters = ads_store.QueueFilters(
        site=site or None,
        city=city or None,
        gender=gender or None,
        indicator=indicator or None,
        status=status or None,
    )
    return _page(request, ctx, principal, kind=kind, q=q, filters=filters, page=page)


@router.post("/search/save")
def save_search(
    request: Request,
    ctx: Ctx,
    principal: Searcher,
    kind: Annotated[Literal[*store.KINDS], Form()],
    q: Annotated[str, Form(max_length=500)],
    name: Annotated[str, Form(max_length=120)] = "",
) -> Response:
    try:
        query = store.parse(kind, q)
    except store.SearchError as exc:
        return _page(request, ctx, principal, kind=kind, q=q, error=str(exc))
    saved_id = store.save(ctx, principal.name, name.strip(), query)
    audit_log(
        request,
        "saved_search",
        target=saved_id,
        kind="saved_search",
        details={"op": "save", "kind": query.kind, "query": query.value},
    )
    return RedirectResponse("/search", status_code=303)


def _owned(ctx: Ctx, principal: Principal, saved_id: str) -> dict:
    saved = store.get_saved(ctx, principal.name, saved_id)
    if saved is None:  # missing or someone else's: same answer, nothing leaks
        raise HTTPException(404, "No such saved search.")
    return saved


@router.post("/saved/{saved_id}/run")
def run_saved(request: Request, ctx: Ctx, principal: Searcher, saved_id: str) -> Response:
    saved = _owned(ctx, principal, saved_id)
    return _page(request, ctx, principal, kind=saved["kind"], q=saved["query"])


@router.post("/saved/{saved_id}/delete")
def delete_saved(request: Request, ctx: Ctx, principal: Searcher, saved_id: str) -> Response:
    _owned(ctx, principal, saved_id)
    store.delete_saved(ctx, saved_id)
    audit_log(request, "saved_search", target=saved_id, kind="saved_search", details={"op": "delete"})
    return RedirectResponse("/search", status_code=303)


@router.get("/inbox")
def inbox(request: Request, ctx: Ctx, principal: Searcher) -> Response:
    """The open alerts (read only: checking the saved searches is the POST below)."""
    alerts = alerts_store.inbox(ctx, principal.name)
    audit_log(request, "view", target="inbox", details={"alerts": [a["ad_id"] for a in alerts][:200]})
    return render(request, "inbox.html", alerts=alerts, new=request.query_params.get("new"))


@router.post("/inbox/refresh")
def refresh_inbox(request: Request, ctx: Ctx, principal: Searcher) -> Response:
    """Run the user's saved searches for ads new since their last check; new matches become alerts."""
    new = store.refresh_inbox(ctx, principal.name)
    audit_log(request, "alert", target="inbox", details={"op": "refresh", "new_alerts": new})
    return RedirectResponse(f"/inbox?new={new}", status_code=303)


@router.post("/inbox/{alert_id}/dismiss")
def dismiss(request: Request, ctx: Ctx, principal: Searcher, alert_id: str) -> Response:
    alert = alerts_store.dismiss(ctx, principal.name, alert_id)
    if alert is None:
        audit_log(request, "alert", target=alert_id, kind="alert", outcome="not_found", details={"op": "dismiss"})
        raise HTTPException(404, "No such alert.")
    details = {"op": "dismiss", "alert": alert_id, "kind": alert.get("kind", "match")}
    audit_log(request, "alert", target=alert.get("ad_id"), details=details)
    return RedirectResponse("/inbox", status_code=303)
