"""Ad detail, decisions, assignment and photos.

The page captures the ad's ``_seq_no``/``_primary_term`` and triage stamp in hidden
fields; the decision POST sends them back so a concurrent decision is detected (409).
Every view of an ad, of each of its photos, each decision, override and assignment
(including refused ones) is audited.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Request
from starlette.responses import FileResponse, RedirectResponse, Response

from signaal.paths import var_dir
from triage_ui.deps import Ctx, Principal, audit_log, requires
from triage_ui.render.archived_html import image_media_type
from triage_ui.render.highlight import segments
from triage_ui.render.photos import photo_facts
from triage_ui.render.textdiff import changed, word_diff
from triage_ui.routers.common import AdToken, record_override
from triage_ui.store import ads as ads_store
from triage_ui.store.decisions import (
    LABEL_VALUES,
    Decision,
    DecisionConflict,
    assign,
    decide,
    history,
)
from triage_ui.store.exports import may_export
from triage_ui.templating import render

router = APIRouter()
Label = Annotated[Literal[*LABEL_VALUES], Form()]
PLACEHOLDER = Path(__file__).parents[1] / "static" / "photo-placeholder.svg"
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def _load(ctx: Ctx, ad_id: str) -> dict:
    hit = ads_store.get_ad(ctx, ad_id)
    if hit is None:
        raise HTTPException(404, "No such ad.")
    return hit


def _version_diffs(ctx: Ctx, ad: dict) -> list[dict]:
    """Each earlier version against the next one (the newest against the current ad)."""
    current_version = int((ad.get("crawl") or {}).get("version") or 1)
    older = ads_store.versions(ctx, ad["id"], current_version)
    chain = [*older, ad]
    out = []
    for prev, nxt in itertools.pairwise(chain):
        out.append(
            {
                "from": (prev.get("crawl") or {}).get("version"),
                "to": (nxt.get("crawl") or {}).get("version"),
                "seen": (nxt.get("crawl") or {}).get("fetched_at") or (nxt.get("crawl") or {}).get("last_seen"),
                "title": word_diff(prev.get("title"), nxt.get("title"))
                if changed(prev.get("title"), nxt.get("title"))
                else None,
                "body": word_diff(prev.get("body"), nxt.get("body"))
                if changed(prev.get("body"), nxt.get("body"))
                else None,
            }
        )
    return list(reversed(out))


@router.get("/ads/{ad_id}")
def ad_detail(
    request: Request,
    ctx: Ctx,
    ad_id: str,
    principal: Annotated[Principal, requires("view_ad")],
) -> Response:
    hit = _load(ctx, ad_id)
    ad = hit["_source"]
    ad.setdefault("id", hit["_id"])
    indicators = ad.get("indicators") or []
    audit_log(request, "view", target=ad_id, details={"page": "ad"})
    return render(
        request,
        "ad.html",
        ad=ad,
        token=AdToken.from_hit(hit),
        title_segments=segments(ad.get("title"), indicators, "title"),
        body_segments=segments(ad.get("body"), indicators, "body"),
        images=ads_store.images_of(ad),
        photo_facts=[photo_facts(image) for image in ads_store.images_of(ad)],
        related=ads_store.related(ctx, ad),
        versions=_version_diffs(ctx, ad),
        history=history(ctx, ad_id),
        next_id=ads_store.next_undecided(ctx, ad_id),
        decisions=ads_store.DECISIONS,
        labels=LABEL_VALUES,
        can_export=may_export(principal, ad),
    )


@router.post("/ads/{ad_id}/decision")
def post_decision(
    request: Request,
    ctx: Ctx,
    ad_id: str,
    principal: Annotated[Principal, requires("decide")],
    decision: Annotated[Literal[*ads_store.DECISIONS], Form()],
    token: Annotated[str, Form()],
    label_minor: Label = "unknown",
    label_trafficking: Label = "unknown",
    notes: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    pinned = AdToken.decode(token)
    if pinned.ad_id != ad_id:
        raise HTTPException(400, "form does not belong to this ad")
    hit = _load(ctx, ad_id)
    source = hit["_source"]
    try:
        _, overridden = decide(
            ctx,
            Decision(ad_id, decision, label_minor, label_trafficking, notes.strip()),
            user=principal.name,
            role=principal.role,
            seq_no=pinned.seq_no,
            primary_term=pinned.primary_term,
            stamp=pinned.stamp,
            previous_triage=source.get("triage") or {},
            cluster_id=(source.get("cluster") or {}).get("id"),
        )
    except DecisionConflict as conflict:
        audit_log(request, "decision", target=ad_id, outcome="conflict", details={"decision": decision})
        return render(request, "conflict.html", 409, ad_id=ad_id, current=conflict.current_triage)
    audit_log(
        request,
        "decision",
        target=ad_id,
        details={"decision": decision, "labels": {"minor": label_minor, "trafficking": label_trafficking}},
    )
    record_override(request, ctx, {**source, "id": ad_id}, overridden, decision)
    next_id = ads_store.next_undecided(ctx, ad_id)
    return RedirectResponse(f"/ads/{next_id}" if next_id else "/queue", status_code=303)


@router.post("/ads/{ad_id}/assign")
def post_assign(
    request: Request,
    ctx: Ctx,
    ad_id: str,
    principal: Annotated[Principal, requires("decide")],
    token: Annotated[str, Form()],
) -> Response:
    pinned = AdToken.decode(token)
    if pinned.ad_id != ad_id:
        raise HTTPException(400, "form does not belong to this ad")
    hit = _load(ctx, ad_id)
    try:
        assign(
            ctx,
            ad_id,
            user=principal.name,
            seq_no=pinned.seq_no,
            primary_term=pinned.primary_term,
            stamp=pinned.stamp,
            previous_triage=hit["_source"].get("triage") or {},
            take_over=principal.can("assign_any"),
        )
    except DecisionConflict as conflict:
        details = {"reason": conflict.reason, "assigned_to": conflict.current_triage.get("assigned_to")}
        audit_log(request, "assign", target=ad_id, outcome="conflict", details=details)
        return render(request, "conflict.html", 409, ad_id=ad_id, current=conflict.current_triage)
    audit_log(request, "assign", target=ad_id)
    return RedirectResponse(f"/ads/{ad_id}", status_code=303)


def _sniff(path: Path) -> str:
    with path.open("rb") as fh:
        return image_media_type(fh.read(12)) or "application/octet-stream"


@router.get("/ads/{ad_id}/images/{index}")
def ad_image(
    request: Request, ctx: Ctx, ad_id: str, index: int, principal: Annotated[Principal, requires("view_ad")]
) -> Response:
    """A photo from the local image store (``var/images/<sha256>``), else a neutral placeholder.

    The UI never fetches remote URLs (no SSRF, no tracking pixels, CSP stays 'self').
    """
    images = _load(ctx, ad_id)["_source"].get("images") or []
    if not 0 <= index < len(images):
        raise HTTPException(404, "No such image.")
    sha = images[index].get("sha256") if isinstance(images[index], dict) else None
    path = var_dir() / "images" / sha if sha and SHA256_RE.match(sha) else None
    stored = path is not None and path.is_file()
    audit_log(request, "view_photo", target=ad_id, details={"photo": index, "sha256": sha, "stored": stored})
    if stored:
        return FileResponse(path, media_type=_sniff(path))
    return FileResponse(PLACEHOLDER, media_type="image/svg+xml")
