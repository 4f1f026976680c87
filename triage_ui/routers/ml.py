"""ML pages: the label queue (most uncertain undecided ads), the model registry, promote."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from models.active_learning import label_queue
from models.registry import Registry, RegistryError
from triage_ui.deps import Ctx, Principal, audit_log, requires
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
    request: Request, ctx: Ctx, principal: MlUser, version: Annotated[str, Form(max_length=40, pattern=r"^[\w.-]+$")]
) -> Response:
    try:
        _registry().promote(version)
    except RegistryError as exc:
        audit_log(request, "promote", target=version, kind="model", outcome="error", details={"error": str(exc)})
        return ml_home(request, ctx, principal, error=str(exc))
    audit_log(request, "promote", target=version, kind="model")
    return RedirectResponse("/ml", status_code=303)
