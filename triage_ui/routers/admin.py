"""Admin pages: browse and export the audit trail, see how crawls ended, manage accounts (add, disable,
reset second factor).

Every account change needs a recent step-up; an admin cannot disable their own account
(no one locks the last admin out by a slip); every change and every refusal is audited.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from triage_ui import data
from triage_ui.deps import Ctx, Principal, audit_log, requires, step_up
from triage_ui.render.csvsafe import to_csv
from triage_ui.security.passwords import WeakPasswordError
from triage_ui.store import audit, crawls
from triage_ui.store.users import UserError, add_user, list_users, mfa_status, reset_mfa, set_disabled
from triage_ui.templating import render

router = APIRouter(prefix="/admin")
Filter = Annotated[str | None, Query(max_length=200, pattern=r"^[\w.:@/-]*$")]
DateParam = Annotated[str | None, Query(max_length=25, pattern=r"^\d{4}-\d{2}-\d{2}(T[\d:]+Z?)?$")]
UserAdmin = Annotated[Principal, step_up("/admin/users", "users")]
EXPORT_LIMIT = 10_000


def _filters(user: str | None, action: str | None, target: str | None, since: str | None, until: str | None) -> dict:
    return {"user": user or None, "action": action or None, "target": target or None, "since": since, "until": until}


@router.get("/audit")
def audit_page(
    request: Request,
    ctx: Ctx,
    principal: Annotated[Principal, requires("audit")],
    user: Filter = None,
    action: Filter = None,
    target: Filter = None,
    since: DateParam = None,
    until: DateParam = None,
) -> Response:
    chosen = _filters(user, action, target, since, until)
    resp = audit.browse(ctx, **chosen)
    audit_log(request, "view", target="audit", details={k: v for k, v in chosen.items() if v})
    return render(
        request,
        "audit.html",
        entries=[h["_source"] for h in resp["hits"]["hits"]],
        total=resp["hits"]["total"]["value"],
        actions=audit.ACTIONS,
        f={k: v or "" for k, v in chosen.items()},
    )


@router.get("/audit/export")
def audit_export(
    request: Request,
    ctx: Ctx,
    principal: Annotated[Principal, step_up("/admin/audit", "audit")],
    fmt: Annotated[Literal["csv", "json"], Query(alias="format")] = "csv",
    user: Filter = None,
    action: Filter = None,
    target: Filter = None,
    since: DateParam = None,
    until: DateParam = None,
) -> Response:
    """The filtered audit trail as CSV (formula-safe) or JSON, newest first; the export is itself audited."""
    chosen = _filters(user, action, target, since, until)
    entries = [h["_source"] for h in audit.browse(ctx, **chosen, size=EXPORT_LIMIT)["hits"]["hits"]]
    if fmt == "csv":
        payload = to_csv(audit.AUDIT_CSV_HEADER, (audit.csv_row(e) for e in entries)).encode("utf-8-sig")
        media = "text/csv"
    else:
        payload, media = json.dumps(entries, ensure_ascii=False, indent=1).encode(), "application/json"
    details = {"format": fmt, "count": len(entries), **{k: v for k, v in chosen.items() if v}}
    audit_log(request, "export", target="audit", kind="audit", details=details)
    return Response(
        payload, media_type=media, headers={"Content-Disposition": f'attachment; filename="signaal-audit.{fmt}"'}
    )


@router.get("/crawls")
def crawls_page(request: Request, ctx: Ctx, principal: Annotated[Principal, requires("audit")]) -> Response:
    audit_log(request, "view", target="crawls")
    return render(request, "crawls.html", runs=crawls.recent_runs(ctx))


def _users_page(request: Request, ctx: Ctx, status: int = 200, error: str | None = None) -> Response:
    users = [(u, mfa_status(u)) for u in list_users(ctx)]
    return render(request, "users.html", status, users=users, roles=data.roles(), error=error)


@router.get("/users")
def users_page(request: Request, ctx: Ctx, principal: Annotated[Principal, requires("users")]) -> Response:
    audit_log(request, "view", target="users")
    return _users_page(request, ctx)


@router.post("/users")
def users_add(
    request: Request,
    ctx: Ctx,
    principal: UserAdmin,
    name: Annotated[str, Form(max_length=40)],
    role: Annotated[str, Form(max_length=20)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    """A new account; its admin-set password must be changed at its first login."""
    try:
        add_user(ctx, name.strip().lower(), role, password)
    except (UserError, WeakPasswordError) as exc:
        audit_log(request, "user_admin", target=name, kind="user", outcome="refused", details={"op": "add"})
        return _users_page(request, ctx, 400, str(exc))
    audit_log(request, "user_admin", target=name, kind="user", details={"op": "add", "role": role})
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{name}/disable")
def users_disable(request: Request, ctx: Ctx, name: str, principal: UserAdmin) -> Response:
    if name == principal.name:
        audit_log(request, "user_admin", target=name, kind="user", outcome="refused", details={"op": "disable_self"})
        return _users_page(request, ctx, 400, "You cannot disable your own account; ask another administrator.")
    try:
        set_disabled(ctx, name, True)
    except UserError as exc:
        return _users_page(request, ctx, 404, str(exc))
    audit_log(request, "user_admin", target=name, kind="user", details={"op": "disable"})
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{name}/reset-mfa")
def users_reset_mfa(request: Request, ctx: Ctx, name: str, principal: UserAdmin) -> Response:
    """Forget a user's second factor (lost phone and codes): they enrol again at their next login."""
    try:
        reset_mfa(ctx, name)
    except UserError as exc:
        return _users_page(request, ctx, 404, str(exc))
    audit_log(request, "user_admin", target=name, kind="user", details={"op": "reset_mfa"})
    return RedirectResponse("/admin/users", status_code=303)
