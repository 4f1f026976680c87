"""The map page: ads per place on a map of the Netherlands and its neighbours, with a time filter.

Queue filters apply (site, gender, indicator, status, risk, first-seen dates); clicking a place filters
the list under the map to that place. Search results and network pages draw the same map.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from triage_ui.deps import Ctx, Principal, audit_log, requires
from triage_ui.render.geomap import draw_map
from triage_ui.routers.queue import queue_filters
from triage_ui.store import ads as ads_store
from triage_ui.store.places import map_page, places_from_aggregation
from triage_ui.templating import render

router = APIRouter()


@router.get("/map")
def ads_map(
    request: Request,
    ctx: Ctx,
    principal: Annotated[Principal, requires("search")],
    filters: Annotated[ads_store.QueueFilters, Depends(queue_filters)],
    page: Annotated[int, Query(ge=1, le=200)] = 1,
) -> Response:
    if "status" not in request.query_params:
        filters.status = None  # the map shows every ad unless a status is asked for
    size = ctx.settings.page_size
    resp = map_page(ctx, filters, principal.name, size)
    places = places_from_aggregation(resp["aggregations"]["places"])
    params = {k: v for k, v in request.query_params.items() if k != "page"}
    audit_log(request, "view", target="map", details={"filters": filters.as_params()})
    return render(
        request,
        "map.html",
        geo=draw_map(places, ctx.settings.basemap),
        hits=resp["hits"]["hits"],
        total=resp["hits"]["total"]["value"],
        params=params,
        city=filters.city,
        since=filters.seen_from,
        until=filters.seen_to,
        page=page,
    )
