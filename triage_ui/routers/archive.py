"""The archived page viewer: an ad's page (and each earlier version's) exactly as the crawler received it.

Four routes, all read from the sealed WARC records, never from the site:

- ``/ads/{id}/archive`` the viewer: record and HTTP headers, SHA-256, the seal check
  ("verified" / "altered" with reasons), what the page referred to (archived or missing), and
  the page itself in a sandboxed iframe (HTML) or pretty-printed (JSON API sites);
- ``/ads/{id}/archive/frame`` the page made inert (``render.archived_html``), served with its own
  CSP (``sandbox; default-src 'none'; img-src data:``) so it can neither run nor fetch anything;
- ``/ads/{id}/archive/record`` the whole WARC record as stored, as plain text;
- ``/ads/{id}/archive/photos/{n}`` one photo's original bytes from its own record.

Every one of them is audited: an archived page is evidence with personal data in it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import Response

from signaal.evidence.records import MISSING, ArchivedRecord, EvidenceError
from triage_ui.deps import Ctx, Principal, audit_log, requires
from triage_ui.render.archived_html import image_media_type
from triage_ui.store import archive
from triage_ui.templating import render

router = APIRouter()
Viewer = Annotated[Principal, requires("view_archive")]
Version = Annotated[int | None, Query(ge=1, le=100_000)]
#: The archived page's own policy: no script, no network except its inlined photos, no navigation out.
FRAME_CSP = (
    "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; frame-src data:; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
JSON_TYPES = frozenset({"application/json", "text/json"})


def _ad_and_latest(ctx: Ctx, ad_id: str, version: int | None) -> tuple[dict, int]:
    found = archive.ad_at_version(ctx, ad_id, version)
    if found is None:
        raise HTTPException(404, "No such ad or version.")
    return found


def _ad(ctx: Ctx, ad_id: str, version: int | None) -> dict:
    return _ad_and_latest(ctx, ad_id, version)[0]


def _record(ctx: Ctx, ad: dict) -> ArchivedRecord:
    try:
        return archive.page_record(ctx, ad)
    except EvidenceError as exc:
        raise HTTPException(404, f"Archived page not available: {exc}") from None


def _audit(request: Request, ad: dict, part: str, record: ArchivedRecord | None, **details: object) -> None:
    """Each part is a view; a photo is a ``view_photo`` like the ad page's photos, so one filter finds both."""
    audit_log(
        request,
        "view_photo" if part == "photo" else "view",
        target=ad["id"],
        details={
            "page": "archive",
            "part": part,
            "version": (ad.get("crawl") or {}).get("version"),
            "record_id": record.record_id if record else (ad.get("evidence") or {}).get("record_id"),
            "check": record.check.status if record else MISSING,
            **details,
        },
    )


@router.get("/ads/{ad_id}/archive")
def viewer(request: Request, ctx: Ctx, ad_id: str, principal: Viewer, version: Version = None) -> Response:
    ad, latest = _ad_and_latest(ctx, ad_id, version)
    try:
        record = archive.page_record(ctx, ad)
    except EvidenceError as exc:
        _audit(request, ad, "viewer", None, error=str(exc))
        return render(request, "archive.html", 404, ad=ad, record=None, error=str(exc))
    photos = archive.photos(ctx, ad, hint=record.warc_file)
    kind = "html" if record.content_type in HTML_TYPES else "json" if record.content_type in JSON_TYPES else "other"
    show_photos = request.query_params.get("photos") == "shown"
    page = archive.rendered_page(record, photos, show_photos=show_photos) if kind == "html" else None
    _audit(request, ad, "viewer", record)
    return render(
        request,
        "archive.html",
        ad=ad,
        record=record,
        error=None,
        kind=kind,
        pretty=archive.pretty_json(record.payload) if kind == "json" else None,
        text=record.payload.decode(record.charset or "utf-8", "replace") if kind == "other" else None,
        photos=photos,
        resources=page.resources if page else [],
        links=page.links if page else 0,
        versions=range(1, latest + 1),
        show_photos=show_photos,
    )


@router.get("/ads/{ad_id}/archive/frame")
def frame(
    request: Request,
    ctx: Ctx,
    ad_id: str,
    principal: Viewer,
    version: Version = None,
    photos: Annotated[Literal["blurred", "shown"], Query()] = "blurred",
) -> Response:
    ad = _ad(ctx, ad_id, version)
    record = _record(ctx, ad)
    if record.content_type not in HTML_TYPES:
        raise HTTPException(404, "This archived record is not an HTML page.")
    page = archive.rendered_page(record, archive.photos(ctx, ad, hint=record.warc_file), show_photos=photos == "shown")
    _audit(request, ad, "frame", record, photos=photos)
    return Response(
        page.html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": FRAME_CSP, "X-Frame-Options": "SAMEORIGIN"},
    )


@router.get("/ads/{ad_id}/archive/record")
def raw_record(request: Request, ctx: Ctx, ad_id: str, principal: Viewer, version: Version = None) -> Response:
    ad = _ad(ctx, ad_id, version)
    record = _record(ctx, ad)
    _audit(request, ad, "raw", record)
    return Response(
        record.raw,
        media_type="text/plain; charset=utf-8",
        headers={"Content-Security-Policy": "sandbox; default-src 'none'", "X-Content-SHA256": record.payload_sha256},
    )


@router.get("/ads/{ad_id}/archive/photos/{index}")
def photo(request: Request, ctx: Ctx, ad_id: str, index: int, principal: Viewer, version: Version = None) -> Response:
    ad = _ad(ctx, ad_id, version)
    found = archive.photos(ctx, ad)
    if not 0 <= index < len(found) or found[index].record is None:
        raise HTTPException(404, "This photo is not archived.")
    record = found[index].record
    media = image_media_type(record.payload)
    if media is None:
        raise HTTPException(404, "The archived record is not a photo.")
    _audit(request, ad, "photo", record, index=index)
    return Response(
        record.payload, media_type=media, headers={"Content-Security-Policy": "sandbox; default-src 'none'"}
    )
