"""An ad's archived page and photos, read from the sealed WARC records its evidence points at.

Which record holds what comes from the ad record itself (or from the earlier version asked for):
``evidence.{warc_file, record_id, sha256}`` for the page, ``images[].{url, warc_record_id, sha256}``
for each photo. Nothing is ever fetched again from the site.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

from elasticsearch import NotFoundError

from signaal.evidence.records import ArchivedRecord, EvidenceError
from triage_ui.context import UIContext
from triage_ui.render.archived_html import RenderedPage, data_uri, render_archived_html
from triage_ui.store.ads import get_ad, images_of

RENDER_CACHE = 8
_rendered: OrderedDict[tuple, RenderedPage] = OrderedDict()
_lock = Lock()


@dataclass(frozen=True)
class Photo:
    """One photo of the ad and its record (None with ``error`` when the record cannot be read)."""

    index: int
    image: dict
    record: ArchivedRecord | None
    error: str | None


def ad_at_version(ctx: UIContext, ad_id: str, version: int | None) -> tuple[dict, int] | None:
    """(the ad as it is now, or as it was at an earlier ``version``; the current version number)."""
    hit = get_ad(ctx, ad_id)
    if hit is None:
        return None
    ad = {**hit["_source"], "id": hit["_id"]}
    current = int((ad.get("crawl") or {}).get("version") or 1)
    if version is None or version == current:
        return ad, current
    try:
        doc = ctx.es.get(index=ctx.alias("ad-versions"), id=f"{ad_id}:v{version}")["_source"]
    except NotFoundError:
        return None
    old = dict(doc.get("ad") or doc)
    old["id"] = ad_id
    old["crawl"] = {**(old.get("crawl") or {}), "version": doc.get("version", version)}
    return old, current


def page_record(ctx: UIContext, ad: dict) -> ArchivedRecord:
    """The fetched page of this ad version; EvidenceError when the ad has no evidence or it is gone."""
    evidence = ad.get("evidence") or {}
    if not evidence.get("record_id"):
        raise EvidenceError("this ad version has no archived page (no evidence record)")
    return ctx.evidence.read(evidence["record_id"], evidence.get("warc_file"), expected_sha256=evidence.get("sha256"))


def photos(ctx: UIContext, ad: dict, *, hint: str | None = None) -> list[Photo]:
    """Every photo of the ad version with its WARC record (photos without a record are listed too)."""
    hint = hint or (ad.get("evidence") or {}).get("warc_file")
    out = []
    for index, image in enumerate(images_of(ad)):
        record_id = image.get("warc_record_id")
        if not record_id:
            out.append(Photo(index, image, None, image.get("error") or "not archived"))
            continue
        try:
            record = ctx.evidence.read(record_id, hint, expected_sha256=image.get("sha256"))
        except EvidenceError as exc:
            out.append(Photo(index, image, None, str(exc)))
        else:
            out.append(Photo(index, image, record, None))
    return out


def photo_data_uris(found: list[Photo]) -> dict[str, str]:
    """Photo URL -> ``data:`` URI of its archived bytes (raster images only)."""
    uris = {}
    for photo in found:
        uri = data_uri(photo.record.payload) if photo.record is not None else None
        if uri and photo.image.get("url"):
            uris[photo.image["url"]] = uri
    return uris


def pretty_json(payload: bytes) -> str | None:
    """Archived JSON (``render: json`` sites) indented for reading; None when it is not valid JSON."""
    try:
        return json.dumps(json.loads(payload), indent=2, ensure_ascii=False)
    except (UnicodeDecodeError, ValueError):
        return None


def rendered_page(record: ArchivedRecord, found: list[Photo], *, show_photos: bool) -> RenderedPage:
    """The inert page of ``record`` with its photos inlined.

    The viewer and its frame ask for the same page one request apart; the rendering (~35-70 ms for a
    500 KB page with thousands of links) is kept for a few pages, keyed by the bytes it was made from
    (records are still read and checked on every request)."""
    key = (
        record.warc_file,
        record.offset,
        record.payload_sha256,
        show_photos,
        tuple((p.image.get("url"), p.record.payload_sha256 if p.record else None) for p in found),
    )
    with _lock:
        if key in _rendered:
            _rendered.move_to_end(key)
            return _rendered[key]
    page = render_archived_html(
        record.payload, record.uri, photo_data_uris(found), charset=record.charset, show_photos=show_photos
    )
    with _lock:
        _rendered[key] = page
        while len(_rendered) > RENDER_CACHE:
            _rendered.popitem(last=False)
    return page
