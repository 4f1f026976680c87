"""Request dependencies as ``Annotated`` aliases, so a route's signature says what it needs.

``Ctx`` (ES + prefix + settings), ``CurrentUser`` (a live, fully signed-in session),
``PendingLogin`` (a login between password and second factor), ``requires(perm)`` (role
check), ``step_up(back)`` (second factor re-entered recently), and ``csrf_protect``
which the app applies to every request: one place decides whether a state-changing
request carries a valid synchroniser token.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from triage_ui.context import UIContext, utcnow
from triage_ui.security import csrf
from triage_ui.security.clientaddr import client_address
from triage_ui.security.sessions import Session, load_session, session_cookie
from triage_ui.store import audit
from triage_ui.store.users import Principal, User, get_user

WORKER = f"{socket.gethostname()}:{os.getpid()}"


class NotAuthenticated(Exception):  # noqa: N818 - reads better at the raise site
    """No live session: HTML pages redirect to the login form."""


class Forbidden(Exception):  # noqa: N818
    """The user may not do this (role, object or CSRF check). Logged to audit by the handler."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class StepUpRequired(Exception):  # noqa: N818
    """The action needs a recently re-entered second factor; ``back`` is where to return after it."""

    def __init__(self, back: str) -> None:
        super().__init__("step-up required")
        self.back = back


def get_ctx(request: Request) -> UIContext:
    return request.app.state.ctx


Ctx = Annotated[UIContext, Depends(get_ctx)]


def client_ip(request: Request) -> str:
    """The client's address (``X-Forwarded-For`` believed only from ``SIGNAAL_UI_TRUSTED_PROXIES``)."""
    settings = request.app.state.ctx.settings
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers.get("x-forwarded-for"), settings.proxy_networks)


def user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "-")


def current_session(request: Request, ctx: UIContext) -> Session | None:
    """The session of the request's cookie, any stage (cached on ``request.state``)."""
    if not hasattr(request.state, "session"):
        request.state.session = load_session(ctx, request.cookies.get(session_cookie(ctx.settings)))
    return request.state.session


def optional_principal(request: Request, ctx: Ctx) -> Principal | None:
    """The fully signed-in user, loaded once per request (cached on ``request.state``)."""
    if hasattr(request.state, "principal"):
        return request.state.principal
    principal = None
    session = current_session(request, ctx)
    if session is not None and session.full:
        user = get_user(ctx, session.user)
        # A disabled account or changed role ends the session's authority at once.
        if user is not None and not user.disabled and user.role == session.role:
            principal = Principal(user, session)
    request.state.principal = principal
    return principal


def current_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    if principal is None:
        raise NotAuthenticated()
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]


def pending_login(request: Request, ctx: Ctx) -> Principal:
    """A login that passed the password but not yet its remaining stages (second factor, new password)."""
    session = current_session(request, ctx)
    user = get_user(ctx, session.user) if session is not None and not session.full else None
    if session is None or user is None or user.disabled or user.role != session.role:
        raise NotAuthenticated()
    return Principal(user, session)


PendingLogin = Annotated[Principal, Depends(pending_login)]


def requires(permission: str):
    """Dependency factory: the current user must hold ``permission`` (roles.yaml)."""

    def check(principal: CurrentUser) -> Principal:
        if not principal.can(permission):
            raise Forbidden(f"missing permission {permission}")
        return principal

    return Depends(check)


def recently_reauthenticated(ctx: UIContext, principal: Principal) -> bool:
    at = principal.session.reauth_at
    return at is not None and utcnow() - at <= timedelta(minutes=ctx.settings.mfa_step_up_minutes)


def step_up(back: str, *any_of: str):
    """Dependency factory: the user holds one of the permissions ``any_of`` (checked first: no step-up
    for someone who may not act at all) and re-entered their second factor within ``mfa_step_up_minutes``.

    ``back`` is where a POST returns after the step-up (a GET returns to itself); it may name the
    route's path parameters (``/ads/{ad_id}``), filled in URL-quoted.
    """

    def check(request: Request, ctx: Ctx, principal: CurrentUser) -> Principal:
        if any_of and not any(principal.can(permission) for permission in any_of):
            raise Forbidden(f"missing permission {' or '.join(any_of)}")
        if not recently_reauthenticated(ctx, principal):
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            params = {name: quote(str(value), safe=":") for name, value in request.path_params.items()}
            raise StepUpRequired(path if request.method == "GET" else back.format_map(params))
        return principal

    return Depends(check)


async def csrf_protect(request: Request) -> None:
    """Reject any unsafe-method request whose CSRF token does not match (403)."""
    if request.method in csrf.SAFE_METHODS:
        return
    given = request.headers.get(csrf.HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        given = (await request.form()).get(csrf.FIELD)
    ctx = get_ctx(request)
    if request.url.path == "/login":  # before any session: the form's HMAC of the pre-session cookie
        pre = request.cookies.get(csrf.pre_cookie(ctx.settings))
        expected = csrf.pre_session_token(ctx.settings.secret_key, pre) if pre else None
    else:
        session = await run_in_threadpool(current_session, request, ctx)
        if session is None:
            raise NotAuthenticated()
        expected = session.csrf_token
    if not csrf.tokens_match(expected, given if isinstance(given, str) else None):
        await run_in_threadpool(optional_principal, request, ctx)  # so the refusal is audited under the user
        raise Forbidden("CSRF token missing or invalid")


def audit_log(
    request: Request,
    action: str,
    *,
    target: str | None = None,
    kind: str | None = None,
    outcome: str = "ok",
    details: dict | None = None,
    principal: Principal | None = None,
) -> None:
    """Audit one step of the current request (user, IP, user agent and serving worker filled in)."""
    principal = principal or getattr(request.state, "principal", None)
    audit.log(
        get_ctx(request),
        action=action,
        user=principal.name if principal else None,
        role=principal.role if principal else None,
        ip=client_ip(request),
        user_agent=user_agent(request),
        target=target,
        target_type=kind or _kind(target),
        outcome=outcome,
        details=details,
        request_id=request.state.request_id,
        worker=WORKER,
    )


def _kind(target: str | None) -> str | None:
    """Default target type: an ad id looks like ``<site>:<id>``; other targets name a page."""
    if target is None:
        return None
    return "ad" if ":" in target else "page"


def home_for(who: Principal | User) -> str:
    """Where a user lands after login: the first page their role may open."""
    for permission, path in (("queue", "/queue"), ("ml", "/ml"), ("dashboard", "/dashboards")):
        if who.can(permission):
            return path
    return "/account"
