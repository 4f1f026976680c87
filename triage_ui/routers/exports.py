"""Lead exports: CSV (formula-safe), JSON, and printable HTML/PDF reports per ad or cluster."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request
from starlette.responses import Response

from signaal.ids import utc_iso
from triage_ui.context import utcnow
from triage_ui.deps import Ctx, CurrentUser, Forbidden, Principal, audit_log
from triage_ui.render.csvsafe import to_csv
from triage_ui.render.pdf import html_to_pdf
from triage_ui.routers.common import AdToken
from triage_ui.store import ads as ads_store
from triage_ui.store.exports import CSV_HEADER, csv_row, log_export, may_export
from triage_ui.store.photo_export import photo_zip
from triage_ui.templating import TEMPLATES, render

router = APIRouter()
Format = Literal["html", "pdf"]


def _require_export_role(principal: Principal) -> None:
    if not (principal.can("export") or principal.can("export_own_leads")):
        raise Forbidden("missing permission export")


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
    query = {"bool": {"filter": [{"term": {"triage.status": "lead"}}, {"term": {"triage.decided_by": principal.name}}]}}
    resp = ctx.es.search(
        index=ctx.alias("ads"), query=query, size=ctx.settings.export_max_ads, sort=[{"triage.decided_at": "desc"}]
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
    principal: CurrentUser,
    fmt: Annotated[Literal["csv", "json"], Form(alias="format")],
    scope: Annotated[Literal["selected", "my_leads"], Form()] = "selected",
    selected: Annotated[list[str], Form(max_length=5000)] = (),
) -> Response:
    _require_export_role(principal)
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


def _report(
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
        payload = html_to_pdf(html, ctx.settings.chromium_path)
        digest = log_export(ctx, principal, fmt="pdf", scope=scope, ad_ids=ids, payload=payload, cluster_id=cluster_id)
        response = _download(payload, "application/pdf", f"signaal-report-{scope}.pdf", digest)
    else:
        payload = html.encode()
        digest = log_export(ctx, principal, fmt="html", scope=scope, ad_ids=ids, payload=payload, cluster_id=cluster_id)
        response = Response(payload, media_type="text/html; charset=utf-8", headers={"X-Content-SHA256": digest})
    audit_log(
        request,
        "export",
        target=cluster_id or ids[0],
        kind="cluster" if cluster_id else "ad",
        details={"format": fmt, "scope": scope, "count": len(ids), "sha256": digest},
    )
    return response


@router.get("/ads/{ad_id}/report")
def ad_report(
    request: Request,
    ctx: Ctx,
    ad_id: str,
    principal: CurrentUser,
    fmt: Annotated[Format, Query(alias="format")] = "html",
) -> Response:
    _require_export_role(principal)
    docs = ads_store.get_ads(ctx, [ad_id])
    if not docs:
        raise HTTPException(404, "No such ad.")
    return _report(request, ctx, principal, _checked(principal, docs), fmt, title=f"Lead report {ad_id}", scope="ad")


@router.get("/clusters/{cluster_id}/report")
def cluster_report(
    request: Request,
    ctx: Ctx,
    cluster_id: str,
    principal: CurrentUser,
    fmt: Annotated[Format, Query(alias="format")] = "html",
) -> Response:
    _require_export_role(principal)
    resp = ctx.es.search(
        index=ctx.alias("ads"),
        query={"term": {"cluster.id": cluster_id}},
        size=ctx.settings.export_max_ads,
        sort=[{"priority": {"order": "desc", "missing": "_last"}}],
    )
    if not resp["hits"]["hits"]:
        raise HTTPException(404, "No such cluster.")
    ads = _checked(principal, resp["hits"]["hits"])
    return _report(
        request, ctx, principal, ads, fmt, title=f"Network report {cluster_id}", scope="cluster", cluster_id=cluster_id
    )


@router.get("/exports")
def exports_page(request: Request, ctx: Ctx, principal: CurrentUser) -> Response:
    """The user's own export history (admins see everyone's) and the 'my leads' export."""
    _require_export_role(principal)
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
def ad_photos(request: Request, ctx: Ctx, ad_id: str, principal: CurrentUser) -> Response:
    """The ad's photos, original bytes from their WARC records, with a manifest."""
    _require_export_role(principal)
    docs = ads_store.get_ads(ctx, [ad_id])
    if not docs:
        raise HTTPException(404, "No such ad.")
    return _photos_download(
        request, ctx, principal, _checked(principal, docs), scope="photos-ad", target=ad_id, cluster_id=None
    )


@router.post("/clusters/{cluster_id}/photos.zip")
def cluster_photos(request: Request, ctx: Ctx, cluster_id: str, principal: CurrentUser) -> Response:
    """Every photo of the network's ads (each file once), with a manifest row per ad and photo."""
    _require_export_role(principal)
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
