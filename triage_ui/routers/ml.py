"""ML pages: the label queue (most uncertain undecided ads), the model registry, promote, and
the model's view of an ad.

ML staff need scores, indicator codes, labels and decisions, not who advertised or how
to reach them: ``/ml/ads/{id}`` shows the model's view (no text, contacts, photos,
evidence or related ads), and the ML role has no access to the full ad page.
Promoting a model needs a recent step-up.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from models.active_learning import label_queue
from models.registry import Registry, RegistryError
from triage_ui.deps import Ctx, Principal, audit_log, requires, step_up
from triage_ui.store import ads as ads_store
from triage_ui.store.decisions import history
from triage_ui.templating import render

router = APIRouter(prefix="/ml")
MlUser = Annotated[Principal, requires("ml")]


def _registry():
    return Registry.default()


@router.get("")
def ml_home(request: Request, ctx: Ctx, principal: MlUser, error: str | None = None) -> Response:
    problems = []
    try:
        queue = label_queue(ctx.es, ctx.prefix, 50)
    except Exception as exc:  # no promoted model yet, models package changed: show, don't crash
        queue, problems = [], [f"label queue unavailable: {exc}"]
    try:
        registry = _registry()
        versions, promoted = registry.versions(), registry.promoted()
    except Exception as exc:
        versions, promoted = [], None
        problems.append(f"model registry unavailable: {exc}")
    audit_log(request, "view", target="ml")
    return render(request, "ml.html", queue=queue, versions=versions, promoted=promoted, problems=problems, error=error)


@router.post("/promote")
def promote(
    request: Request,
    ctx: Ctx,
    principal: Annotated[Principal, step_up("/ml", "ml")],
    version: Annotated[str, Form(max_length=40, pattern=r"^[\w.-]+$")],
) -> Response:
    try:
        _registry().promote(version)
    except RegistryError as exc:
        audit_log(request, "promote", target=version, kind="model", outcome="error", details={"error": str(exc)})
        return ml_home(request, ctx, principal, error=str(exc))
    audit_log(request, "promote", target=version, kind="model")
    return RedirectResponse("/ml", status_code=303)


MODEL_VIEW_SOURCE = [
    "site",
    "language",
    "priority",
    "risk",
    "indicators.code",
    "indicators.category",
    "indicators.field",
    "indicators.weight",
    "link_indicators.code",
    "triage.status",
    "triage.labels",
    "triage.decided_at",
    "nlp_version",
    "crawl.first_seen",
    "cluster.size",
]


@router.get("/ads/{ad_id}")
def model_view(
    request: Request, ctx: Ctx, ad_id: str, principal: Annotated[Principal, requires("ml_view")]
) -> Response:
    """What the model saw and decided about one ad, and how analysts labelled it."""
    hit = ads_store.get_ad(ctx, ad_id, source=MODEL_VIEW_SOURCE)
    if hit is None:
        raise HTTPException(404, "No such ad.")
    decisions = [{k: d.get(k) for k in ("decision", "labels", "decided_at", "role")} for d in history(ctx, ad_id)]
    audit_log(request, "view", target=ad_id, details={"page": "model_view"})
    return render(request, "ml_ad.html", ad_id=ad_id, ad=hit["_source"], decisions=decisions)
