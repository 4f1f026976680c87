"""ML pages: registry and promote, each model's report, the label queue, learning from decisions, and
the model's view of an ad.

``/ml`` shows the registry (synthetic models marked), the rules baseline's
calibration and where it came from, the label queue, the suggestions mined
from analysts' decisions (:mod:`models.suggestions`) and the accepted
proposals. Accepting a suggestion appends a proposal (:mod:`models.proposals`)
that the next ``signaal rescore`` applies; every change is audited.

ML staff need scores, indicator codes, labels and decisions, not who advertised or how
to reach them: ``/ml/ads/{id}`` shows the model's view (no text, contacts, photos,
evidence or related ads), and the ML role has no access to the full ad page. Promoting a
model and accepting or withdrawing a proposal change how every ad is scored, so they need a
recent step-up.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, HTTPException, Request
from starlette.responses import FileResponse, RedirectResponse, Response

from models import proposals
from models.active_learning import label_queue
from models.registry import Registry, RegistryError
from models.rules import RulesScorer
from models.suggestions import evidence_for, load_decided, suggestions
from nlp import accepted, lexicon
from triage_ui.deps import Ctx, Principal, audit_log, requires, step_up
from triage_ui.store import ads as ads_store
from triage_ui.store.decisions import history
from triage_ui.templating import render

router = APIRouter(prefix="/ml")
MlUser = Annotated[Principal, requires("ml")]
MlAdmin = Annotated[Principal, step_up("/ml", "ml")]  # changes how every ad is scored: second factor re-entered
VersionPath = Annotated[str, Form(max_length=40, pattern=r"^[\w.-]+$")]
CodeField = Annotated[str, Form(max_length=64, pattern=r"^[A-Z][A-Z0-9_]+$")]


def _registry() -> Registry:
    return Registry.default()


def _section(problems: list[str], name: str, build: Any, default: Any) -> Any:
    """One part of the page; a failing part is reported on the page, the rest still shows."""
    try:
        return build()
    except Exception as exc:  # no promoted model yet, an index missing, a broken file: show, don't crash
        problems.append(f"{name} unavailable: {exc}")
        return default


@router.get("")
def ml_home(request: Request, ctx: Ctx, principal: MlUser, error: str | None = None) -> Response:
    problems: list[str] = []
    queue = _section(problems, "label queue", lambda: label_queue(ctx.es, ctx.prefix, 50), [])
    registry = _registry()
    versions = _section(problems, "model registry", registry.versions, [])
    promoted = _section(problems, "model registry", registry.promoted, None)
    calibration = _section(problems, "rules calibration", lambda: RulesScorer().calibration_status(), None)
    found = _section(problems, "suggestions", lambda: suggestions(ctx.es, ctx.prefix), None)
    in_force = _section(problems, "accepted proposals", accepted.effective, [])
    audit_log(request, "view", target="ml")
    return render(
        request,
        "ml.html",
        queue=queue,
        versions=versions,
        promoted=promoted,
        calibration=calibration,
        suggestions=found,
        proposals=list(reversed(in_force)),
        codes=sorted(lexicon.codes()),
        problems=problems,
        error=error,
    )


@router.post("/promote")
def promote(request: Request, ctx: Ctx, principal: MlAdmin, version: VersionPath) -> Response:
    try:
        _registry().promote(version)
    except RegistryError as exc:
        audit_log(request, "promote", target=version, kind="model", outcome="error", details={"error": str(exc)})
        return ml_home(request, ctx, principal, error=str(exc))
    audit_log(request, "promote", target=version, kind="model")
    return RedirectResponse("/ml", status_code=303)


@router.post("/proposals")
def propose(
    request: Request,
    ctx: Ctx,
    principal: MlAdmin,
    action: Annotated[Literal["add_term", "exclude", "weight"], Form()],
    code: CodeField,
    term: Annotated[str, Form(max_length=200)] = "",
    weight: Annotated[float | None, Form(ge=0.0, lt=1.0)] = None,
) -> Response:
    """Accept a suggestion (or an ML user's own phrasing) as a proposal, with the decisions' evidence for it."""
    try:
        evidence = evidence_for(load_decided(ctx.es, ctx.prefix), action, code, term)
        if action == "add_term":
            entry = proposals.propose_term(code, term, by=principal.name, evidence=evidence)
        elif action == "exclude":
            entry = proposals.propose_exclusion(code, term, by=principal.name, evidence=evidence)
        else:
            if weight is None:
                raise proposals.ProposalError("a weight proposal needs a weight")
            entry = proposals.propose_weight(code, weight, by=principal.name, evidence=evidence)
    except proposals.ProposalError as exc:
        details = {"action": action, "term": term, "error": str(exc)}
        audit_log(request, "proposal", target=code, kind="rule", outcome="error", details=details)
        return ml_home(request, ctx, principal, error=str(exc))
    details = {k: entry[k] for k in ("id", "action", "term", "weight") if k in entry}
    audit_log(request, "proposal", target=code, kind="rule", details=details)
    return RedirectResponse("/ml#proposals", status_code=303)


@router.post("/proposals/withdraw")
def withdraw(
    request: Request,
    ctx: Ctx,
    principal: MlAdmin,
    proposal: Annotated[str, Form(max_length=40, pattern=r"^p-[0-9a-f]+$")],
) -> Response:
    try:
        proposals.withdraw(proposal, by=principal.name)
    except proposals.ProposalError as exc:
        audit_log(request, "withdraw_proposal", target=proposal, kind="rule", outcome="error")
        return ml_home(request, ctx, principal, error=str(exc))
    audit_log(request, "withdraw_proposal", target=proposal, kind="rule")
    return RedirectResponse("/ml#proposals", status_code=303)


def _report(registry: Registry, version: str) -> dict[str, Any] | None:
    path = registry.report_dir(version) / "report.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


@router.get("/models/{version}")
def model_page(request: Request, ctx: Ctx, principal: MlUser, version: str) -> Response:
    """A version's model card, held-out metrics and PR / calibration plots."""
    registry = _registry()
    try:
        entry = registry.entry(version)
    except RegistryError as exc:
        raise HTTPException(404, "no such model version") from exc
    card_path = registry.root / entry["version"] / "card.md"
    card = card_path.read_text(encoding="utf-8") if card_path.is_file() else ""
    audit_log(request, "view", target=f"ml/models/{entry['version']}")
    return render(
        request,
        "ml_model.html",
        entry=entry,
        promoted=registry.promoted() == entry["version"],
        card=card,
        report=_report(registry, entry["version"]),
    )


@router.get("/models/{version}/plots/{name}")
def model_plot(ctx: Ctx, principal: MlUser, version: str, name: str) -> Response:
    """One PNG of a version's report (only files the report lists)."""
    registry = _registry()
    try:
        report = _report(registry, version)
    except RegistryError as exc:
        raise HTTPException(404, "no such model version") from exc
    if report is None or name not in report.get("images", []):
        raise HTTPException(404, "no such plot")
    return FileResponse(registry.report_dir(version) / name, media_type="image/png")


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
