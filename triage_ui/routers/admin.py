"""Admin pages: browse the audit trail, see how crawls ended, manage accounts (add, disable)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from triage_ui import data
from triage_ui.deps import Ctx, Principal, audit_log, requires
from triage_ui.security.passwords import WeakPasswordError
from triage_ui.store import audit, crawls
from triage_ui.store.users import UserError, add_user, list_users, set_disabled
from triage_ui.templating import render

router = APIRouter(prefix="/admin")
Filter = Annotated[str | None, Query(max_length=64, pattern=r"^[\w.:-]*$")]
DateParam = Annotated[str | None, Query(max_length=25, pattern=r"^\d{4}-\d{2}-\d{2}(T[\d:]+Z?)?$")]


@router.get("/audit")
def audit_page(
    request: Request,
    ctx: Ctx,
    principal: Annotated[Principal, requires("audit")],
    user: Filter = None,
    action: Filter = None,
    since: DateParam = None,
    until: DateParam = None,
) -> Response:
    resp = audit.browse(ctx, user=user or None, action=action or None, since=since or None, until=until or None)
    audit_log(request, "view", target="audit", details={"user": user, "action": action})
    return render(
        request,
        "audit.html",
        entries=[h["_source"] for h in resp["hits"]["hits"]],
        total=resp["hits"]["total"]["value"],
        actions=audit.ACTIONS,
        f={"user": user or "", "action": action or "", "since": since or "", "until": until or ""},
    )


@router.get("/crawls")
def crawls_page(request: Request, ctx: Ctx, principal: Annotated[Principal, requires("audit")]) -> Response:
    audit_log(request, "view", target="crawls")
    return render(request, "crawls.html", runs=crawls.recent_runs(ctx))


@router.get("/users")
def users_page(
    request: Request, ctx: Ctx, principal: Annotated[Principal, requires("users")], error: str | None = None
) -> Response:
    audit_log(request, "view", target="users")
    return render(request, "users.html", users=list_users(ctx), roles=data.roles(), error=error)


@router.post("/users")
def users_add(
    request: Request,
    ctx: Ctx,
    principal: Annotated[Principal, requires("users")],
    name: Annotated[str, Form(max_length=40)],
    role: Annotated[str, Form(max_length=20)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    try:
        add_user(ctx, name.strip().lower(), role, password)
    except (UserError, WeakPasswordError) as exc:
        return render(request, "users.html", 400, users=list_users(ctx), roles=data.roles(), error=str(exc))
    audit_log(request, "user_admin", target=name, kind="user", details={"op": "add", "role": role})
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{name}/disable")
def users_disable(
    request: Request,
    ctx: Ctx,
    name: str,
    principal: Annotated[Principal, requires("users")],
) -> Response:
    try:
        set_disabled(ctx, name, True)
    except UserError as exc:
        return render(request, "users.html", 404, users=list_users(ctx), roles=data.roles(), error=str(exc))
    audit_log(request, "user_admin", target=name, kind="user", details={"op": "disable"})
    return RedirectResponse("/admin/users", status_code=303)
