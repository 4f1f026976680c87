"""Login and logout.

Login: throttled per user name and address, argon2 verification (constant work for
unknown names), a brand-new session id, and an audit entry for success and failure.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from signaal.ids import utc_iso
from triage_ui.context import utcnow
from triage_ui.deps import Ctx, CurrentUser, Principal, audit_log, client_ip, optional_principal, user_agent
from triage_ui.security import csrf
from triage_ui.security.passwords import verify_password
from triage_ui.security.ratelimit import LoginLimiter
from triage_ui.security.sessions import COOKIE_NAME, create_session, load_session, revoke
from triage_ui.store.users import get_user, update_fields
from triage_ui.templating import render

router = APIRouter()


def _secure(request: Request) -> bool:
    forced = request.app.state.ctx.settings.cookie_secure
    return forced if forced is not None else request.url.scheme == "https"


def _limiter(request: Request) -> LoginLimiter:
    settings = request.app.state.ctx.settings
    if request.app.state.login_limiter is None:
        request.app.state.login_limiter = LoginLimiter(settings.login_max_failures, settings.login_window_seconds)
    return request.app.state.login_limiter


def _login_page(request: Request, ctx: Ctx, status: int = 200, error: str | None = None) -> Response:
    pre = request.cookies.get(csrf.PRE_COOKIE) or csrf.new_pre_session()
    response = render(
        request, "login.html", status, error=error, csrf_token=csrf.pre_session_token(ctx.settings.secret_key, pre)
    )
    response.set_cookie(csrf.PRE_COOKIE, pre, httponly=True, samesite="strict", secure=_secure(request), path="/login")
    return response


@router.get("/")
def home() -> Response:
    return RedirectResponse("/queue", status_code=303)


@router.get("/login")
def login_form(request: Request, ctx: Ctx) -> Response:
    if optional_principal(request, ctx) is not None:
        return RedirectResponse("/queue", status_code=303)
    return _login_page(request, ctx)


@router.post("/login")
def login(
    request: Request,
    ctx: Ctx,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    username = username.strip().lower()
    ip = client_ip(request)
    limiter = _limiter(request)
    keys = (f"user:{username}", f"ip:{ip}")
    if limiter.blocked(*keys):
        audit_log(request, "login_failed", target=username, kind="user", outcome="throttled")
        return _login_page(request, ctx, 429, "Too many failed attempts. Wait a few minutes and try again.")
    user = get_user(ctx, username)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or user.disabled:
        limiter.fail(*keys)
        audit_log(
            request,
            "login_failed",
            target=username,
            kind="user",
            outcome="disabled" if ok and user and user.disabled else "bad_credentials",
        )
        return _login_page(request, ctx, 401, "Unknown user name or wrong password.")
    limiter.succeed(keys[0])
    old = load_session(ctx, request.cookies.get(COOKIE_NAME))
    if old is not None:  # never carry a session across a login
        revoke(ctx, old.id_hash)
    token, session = create_session(ctx, user.name, user.role, ip, user_agent(request))
    update_fields(ctx, user.name, last_login_at=utc_iso(utcnow()))
    audit_log(request, "login", target=user.name, kind="user", principal=Principal(user, session))
    response = RedirectResponse("/queue", status_code=303)
    response.set_cookie(
        COOKIE_NAME,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/",
        max_age=ctx.settings.session_absolute_seconds,
    )
    response.delete_cookie(csrf.PRE_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request, principal: CurrentUser, ctx: Ctx) -> Response:
    await run_in_threadpool(revoke, ctx, principal.session.id_hash)
    await run_in_threadpool(audit_log, request, "logout", target=principal.name, kind="user")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response
