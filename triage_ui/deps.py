"""Request dependencies as ``Annotated`` aliases, so a route's signature says what it needs.

``Ctx`` (ES + prefix + settings), ``CurrentUser`` (a live session), ``requires(perm)``
(role check), and ``csrf_protect`` which the app applies to every request: one place
decides whether a state-changing request carries a valid synchroniser token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from triage_ui.context import UIContext
from triage_ui.security import csrf
from triage_ui.security.sessions import COOKIE_NAME, load_session
from triage_ui.store import audit
from triage_ui.store.users import Principal, get_user


class NotAuthenticated(Exception):  # noqa: N818 - reads better at the raise site
    """No live session: HTML pages redirect to the login form."""


class Forbidden(Exception):  # noqa: N818
    """The user may not do this (role, object or CSRF check). Logged to audit by the handler."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def get_ctx(request: Request) -> UIContext:
    return request.app.state.ctx


Ctx = Annotated[UIContext, Depends(get_ctx)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "-"


def user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "-")


def optional_principal(request: Request, ctx: Ctx) -> Principal | None:
    """The signed-in user, loaded once per request (cached on ``request.state``)."""
    if hasattr(request.state, "principal"):
        return request.state.principal
    principal = None
    session = load_session(ctx, request.cookies.get(COOKIE_NAME))
    if session is not None:
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


def requires(permission: str):
    """Dependency factory: the current user must hold ``permission`` (roles.yaml)."""

    def check(principal: CurrentUser) -> Principal:
        if not principal.can(permission):
            raise Forbidden(f"missing permission {permission}")
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
    if request.url.path == "/login":
        pre = request.cookies.get(csrf.PRE_COOKIE)
        ctx = get_ctx(request)
        expected = csrf.pre_session_token(ctx.settings.secret_key, pre) if pre else None
    else:
        principal = await run_in_threadpool(optional_principal, request, get_ctx(request))
        if principal is None:
            raise NotAuthenticated()
        expected = principal.session.csrf_token
    if not csrf.tokens_match(expected, given if isinstance(given, str) else None):
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
    """Audit one step of the current request (user, IP and user agent filled in)."""
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
    )


def _kind(target: str | None) -> str | None:
    """Default target type: an ad id looks like ``<site>:<id>``; other targets name a page."""
    if target is None:
        return None
    return "ad" if ":" in target else "page"
