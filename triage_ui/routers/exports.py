"""Lead exports: CSV (formula-safe), JSON, printable HTML/PDF reports and photo ZIPs per ad or cluster.

Every export needs a recent step-up (second factor re-entered) and is checked ad by ad
(``store.exports.may_export``). PDFs come from the process's one long-lived browser
(``render.pdf.PdfRenderer``), off the request thread, at most ``pdf_max_ads`` ads per
report and ``pdf_per_user`` reports per user per ``pdf_window_seconds`` (a counter in
Elasticsearch, so every worker counts the same).
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from signaal.ids import utc_iso
from triage_ui.context import utcnow
from triage_ui.deps import Ctx, CurrentUser, Forbidden, Principal, audit_log, step_up
from triage_ui.render.csvsafe import to_csv
from triage_ui.routers.common import AdToken
from triage_ui.security import counters
from triage_ui.store import ads as ads_store
from triage_ui.store.exports import CSV_HEADER, csv_row, log_export, may_export, own_leads_query
from triage_ui.store.photo_export import photo_zip
from triage_ui.templating import TEMPLATES, render

router = APIRouter()
Format = Literal["html", "pdf"]
PDF_COUNTER = "pdf-report"
EXPORT_PERMISSIONS = ("export", "export_own_leads")
Exporter = Annotated[Principal, step_up("/exports", *EXPORT_PERMISSIONS)]
AdPhotoExporter = Annotated[Principal, step_up("/ads/{ad_id}", *EXPORT_PERMISSIONS)]
ClusterPhotoExporter = Annotated[Principal, step_up("/networks/{cluster_id}", *EXPORT_PERMISSIONS)]


def _checked(principal: Principal, docs: list[dict]) -> list[dict]:
    """The ads' sources, or Forbidden if any of them may not be exported by this user."""
    sources = []
    for doc in docs:
        source = {**doc["_source"], "id": doc["_id"]}
        if not may_export(principal, source):
            raise Forbidden(f"may not export ad {doc['_id']}")
        sources.append(source)
    return sources


def _my_leads(ctx: Ctx, principal: Principal) -> list[dict]:
    resp = ctx.es.search(
        index=ctx.alias("ads"),
        query=own_leads_query(principal.name),
        size=ctx.settings.export_max_ads,
        sort=[{"triage.decided_at": "desc"}],
    )
    return resp["hits"]["hits"]


def _download(payload: bytes, media_type: str, filename: str, digest: str) -> Response:
    return Response(
        payload,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "X-Content-SHA256": digest},
    )


@router.post("/exports")
def export(
    request: Request,
    ctx: Ctx,
    principal: Exporter,
    fmt: Annotated[Literal["csv", "json"], Form(alias="format")],
    scope: Annotated[Literal["selected", "my_leads"], Form()] = "selected",
    selected: Annotated[list[str], Form(max_length=5000)] = (),
) -> Response:
    if scope == "my_leads":
        docs = _my_leads(ctx, principal)
    else:
        ids = [AdToken.decode(raw).ad_id if raw.startswith("[") else raw for raw in selected]
        docs = ads_store.get_ads(ctx, ids[: ctx.settings.export_max_ads])
    if not docs:
        raise HTTPException(400, "Nothing selected to export.")
    ads = _checked(principal, docs)
    if fmt == "csv":
        payload, media = to_csv(CSV_HEADER, (csv_row(ad) for ad in ads)).encode("utf-8-sig"), "text/csv"
    else:
        strip = ("text_minhash", "photo_chunks", "photo_places")
        payload = json.dumps(
            [{k: v for k, v in ad.items() if k not in strip} for ad in ads], ensure_ascii=False, indent=1
        ).encode()
        media = "application/json"
    ids = [ad["id"] for ad in ads]
    digest = log_export(ctx, principal, fmt=fmt, scope=scope, ad_ids=ids, payload=payload)
    audit_log(
        request,
        "export",
        target=scope,
        kind="export",
        details={"format": fmt, "count": len(ids), "sha256": digest, "ads": ids[:500]},
    )
    return _download(payload, media, f"signaal-leads.{fmt}", digest)


def _pdf_allowed(ctx: Ctx, principal: Principal, n_ads: int) -> None:
    """Refuse (with a message saying what to do instead) a PDF that is too big or one too many."""
    settings = ctx.settings
    if n_ads > settings.pdf_max_ads:
        raise HTTPException(
            413,
            f"This report holds {n_ads} ads; a PDF holds at most {settings.pdf_max_ads}. "
            "Open the HTML report, or export CSV or JSON, instead.",
        )
    made = counters.hit(ctx, PDF_COUNTER, principal.name, settings.pdf_window_seconds, fixed=True)
    if made.count > settings.pdf_per_user:
        minutes = max(1, round(settings.pdf_window_seconds / 60))
        raise HTTPException(
            429, f"At most {settings.pdf_per_user} PDF reports per {minutes} minutes; the HTML report is not limited."
        )


async def _report(
    request: Request,
    ctx: Ctx,
    principal: Principal,
    ads: list[dict],
    fmt: str,
    *,
    title: str,
    scope: str,
    cluster_id: str | None = None,
) -> Response:
    html = TEMPLATES.get_template("report.html").render(
        ads=ads,
        title=title,
        generated_by=principal.name,
        cluster_id=cluster_id,
        nonce=request.state.csp_nonce,
        generated_at=utc_iso(utcnow()),
    )
    ids = [ad["id"] for ad in ads]
    if fmt == "pdf":
        await run_in_threadpool(_pdf_allowed, ctx, principal, len(ads))
        try:
            payload = await request.app.state.pdf.render(html, ctx.settings.pdf_timeout_seconds)
        except TimeoutError:
            raise HTTPException(503, "The PDF took too long to render; try the HTML report.") from None
        media, filename = "application/pdf", f"signaal-report-{scope}.pdf"
    else:
        payload, media, filename = html.encode(), "text/html; charset=utf-8", None
    digest = await run_in_threadpool(
        log_export, ctx, principal, fmt=fmt, scope=scope, ad_ids=ids, payload=payload, cluster_id=cluster_id
    )
    details = {"format": fmt, "scope": scope, "count": len(ids), "sha256": digest, "ads": ids[:500]}
    target, kind = (cluster_id, "cluster") if cluster_id else (ids[0], "ad")
    await run_in_threadpool(audit_log, request, "export", target=target, kind=kind, details=details)
    if filename:
        return _download(payload, media, filename, digest)
    return Response(payload, media_type=media, headers={"X-Content-SHA256": digest})


@router.get("/ads/{ad_id}/report")
async def ad_report(
    request: Request,
    ctx: Ctx,
    ad_id: str,
    principal: Exporter,
    fmt: Annotated[Format, Query(alias="format")] = "html",
) -> Response:
    docs = await run_in_threadpool(ads_store.get_ads, ctx, [ad_id])
    if not docs:
        raise HTTPException(404, "No such ad.")
    ads = _checked(principal, docs)
    return await _report(request, ctx, principal, ads, fmt, title=f"Lead report {ad_id}", scope="ad")


def _cluster_ads(ctx: Ctx, cluster_id: str) -> list[dict]:
    resp = ctx.es.search(
        index=ctx.alias("ads"),
        query={"term": {"cluster.id": cluster_id}},
        size=ctx.settings.export_max_ads,
        sort=[{"priority": {"order": "desc", "missing": "_last"}}],
    )
    return resp["hits"]["hits"]


@router.get("/clusters/{cluster_id}/report")
async def cluster_report(
    request: Request,
    ctx: Ctx,
    cluster_id: str,
    principal: Exporter,
    fmt: Annotated[Format, Query(alias="format")] = "html",
) -> Response:
    hits = await run_in_threadpool(_cluster_ads, ctx, cluster_id)
    if not hits:
        raise HTTPException(404, "No such cluster.")
    ads = _checked(principal, hits)
    title = f"Network report {cluster_id}"
    return await _report(request, ctx, principal, ads, fmt, title=title, scope="cluster", cluster_id=cluster_id)


@router.get("/exports")
def exports_page(request: Request, ctx: Ctx, principal: CurrentUser) -> Response:
    """The user's own export history (admins see everyone's) and the 'my leads' export."""
    if not any(principal.can(permission) for permission in EXPORT_PERMISSIONS):
        raise Forbidden("missing permission export")
    query = {"match_all": {}} if principal.can("audit") else {"term": {"user": principal.name}}
    resp = ctx.es.search(
        index=ctx.alias("exports"), query=query, size=100, sort=[{"created_at": "desc"}], source_excludes=["ad_ids"]
    )
    audit_log(request, "view", target="exports")
    return render(request, "exports.html", exports=[h["_source"] for h in resp["hits"]["hits"]])


def _photos_download(
    request: Request,
    ctx: Ctx,
    principal: Principal,
    ads: list[dict],
    *,
    scope: str,
    target: str,
    cluster_id: str | None,
) -> Response:
    """The photo ZIP of already checked ads: logged in the exports index and the audit trail."""
    payload, count = photo_zip(
        ctx, ads, title=f"Photos of {target}", generated_by=principal.name, generated_at=utc_iso(utcnow())
    )
    ids = [ad["id"] for ad in ads]
    digest = log_export(ctx, principal, fmt="zip", scope=scope, ad_ids=ids, payload=payload, cluster_id=cluster_id)
    audit_log(
        request,
        "export",
        target=target,
        kind="cluster" if cluster_id else "ad",
        details={"format": "zip", "scope": scope, "count": len(ids), "photos": count, "sha256": digest},
    )
    name = target.replace(":", "_")
    return _download(payload, "application/zip", f"signaal-photos-{name}.zip", digest)


@router.post("/ads/{ad_id}/photos.zip")
def ad_photos(request: Request, ctx: Ctx, ad_id: str, principal: AdPhotoExporter) -> Response:
    """The ad's photos, original bytes from their WARC records, with a manifest (same rule as every export)."""
    docs = ads_store.get_ads(ctx, [ad_id])
    if not docs:
        raise HTTPException(404, "No such ad.")
    return _photos_download(
        request, ctx, principal, _checked(principal, docs), scope="photos-ad", target=ad_id, cluster_id=None
    )


@router.post("/clusters/{cluster_id}/photos.zip")
def cluster_photos(request: Request, ctx: Ctx, cluster_id: str, principal: ClusterPhotoExporter) -> Response:
    """Every photo of the network's ads (each file once), with a manifest row per ad and photo."""
    resp = ctx.es.search(
        index=ctx.alias("ads"),
        query={"term": {"cluster.id": cluster_id}},
        size=ctx.settings.export_max_ads,
        sort=[{"priority": {"order": "desc", "missing": "_last"}}],
        source=["id", "images", "evidence", "triage", "crawl"],
    )
    if not resp["hits"]["hits"]:
        raise HTTPException(404, "No such cluster.")
    ads = _checked(principal, resp["hits"]["hits"])
    return _photos_download(
        request, ctx, principal, ads, scope="photos-cluster", target=cluster_id, cluster_id=cluster_id
    )
