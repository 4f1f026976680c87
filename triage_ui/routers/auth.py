"""Login (password, then second factor or enrolment, then a forced new password) and logout.

Throttled by ``security.throttle`` (per account, device and source address; counters in
Elasticsearch), argon2 verification with the same work for unknown names, a rehash
when the argon2 parameters changed, a brand-new session id when the login completes,
and an audit entry for every success and failure.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from triage_ui import login as flow
from triage_ui.deps import (
    Ctx,
    CurrentUser,
    PendingLogin,
    audit_log,
    client_ip,
    current_session,
    home_for,
    optional_principal,
)
from triage_ui.security import csrf, mfa
from triage_ui.security.cookies import delete_cookie, set_cookie
from triage_ui.security.passwords import passwords_for
from triage_ui.security.sessions import FULL, SESSION_COOKIE, revoke, update_session
from triage_ui.store.users import Principal, enrol_totp, get_user, set_password_hash
from triage_ui.templating import render

router = APIRouter()
Code = Annotated[str, Form(max_length=40)]
NewPassword = Annotated[str, Form(max_length=1024)]
BAD_LOGIN = "Unknown user name, wrong password or wrong code."


def _login_page(request: Request, ctx: Ctx, status: int = 200, error: str | None = None, soft: bool = False):
    settings = ctx.settings
    pre = request.cookies.get(csrf.pre_cookie(settings)) or csrf.new_pre_session()
    response = render(
        request,
        "login.html",
        status,
        error=error,
        soft=soft,
        csrf_token=csrf.pre_session_token(settings.secret_key, pre),
    )
    set_cookie(response, settings, csrf.PRE_COOKIE, pre)
    return response


@router.get("/")
def home(request: Request, ctx: Ctx) -> Response:
    principal = optional_principal(request, ctx)
    return RedirectResponse(home_for(principal) if principal else "/login", status_code=303)


@router.get("/login")
def login_form(request: Request, ctx: Ctx) -> Response:
    principal = optional_principal(request, ctx)
    if principal is not None:
        return RedirectResponse(home_for(principal), status_code=303)
    # an address over its soft limit gets the code field at once
    return _login_page(request, ctx, soft=request.app.state.throttle.source_soft(client_ip(request)))


def _password_step(request: Request, ctx: Ctx, username: str, password: str, code: str) -> tuple[Response, bool]:
    """The blocking part of POST /login; returns the response and whether to tarpit it."""
    ip = client_ip(request)
    throttle = request.app.state.throttle
    device = flow.device_id(request, ctx, username)
    verdict = throttle.check(username, ip, device)
    if verdict.wait_seconds > 0:
        audit_log(
            request,
            "login_failed",
            target=username,
            kind="user",
            outcome="throttled",
            details={"wait_seconds": round(verdict.wait_seconds, 1)},
        )
        wait = f"{verdict.wait_seconds:.0f}" if verdict.wait_seconds >= 1 else "1"
        message = f"Too many failed attempts for this account. Try again in {wait} seconds."
        return _login_page(request, ctx, 429, message, verdict.soft), False
    passwords = passwords_for(ctx.settings)
    user = get_user(ctx, username)
    ok = passwords.verify(user.password_hash if user else None, password)
    second_factor = None
    if ok and user is not None and not user.disabled and verdict.soft and user.enrolled:
        second_factor = flow.check_second_factor(ctx, user, code)  # soft mode: password and code together
    if not ok or user is None or user.disabled or (verdict.soft and user.enrolled and second_factor is None):
        throttle.failed(username, ip, device)
        outcome = "disabled" if ok and user and user.disabled else "bad_credentials"
        audit_log(
            request, "login_failed", target=username, kind="user", outcome=outcome, details={"soft": verdict.soft}
        )
        return _login_page(request, ctx, 401, BAD_LOGIN, verdict.soft), verdict.soft
    if passwords.needs_rehash(user.password_hash or ""):  # the argon2 parameters changed since it was hashed
        set_password_hash(ctx, user.name, passwords.hash_secret(password), must_change=user.must_change_password)
        audit_log(request, "password", target=user.name, kind="user", outcome="rehashed")
    old = current_session(request, ctx)
    if old is not None:  # never carry a session across a login
        revoke(ctx, old.id_hash)
    stage = flow.next_stage(user, second_factor_done=second_factor is not None)
    if stage == FULL:
        response = RedirectResponse(flow.landing(user, stage), status_code=303)
        flow.complete(request, ctx, user, None, response)
        return response, False
    return flow.start(request, ctx, user, stage), False


@router.post("/login")
async def login(
    request: Request,
    ctx: Ctx,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1024)],
    code: Code = "",
) -> Response:
    response, tarpit = await run_in_threadpool(_password_step, request, ctx, username.strip().lower(), password, code)
    if tarpit and ctx.settings.login_source_tarpit_seconds:
        # an address over its soft limit waits on each failure; the event loop, not a thread, does the waiting
        await asyncio.sleep(ctx.settings.login_source_tarpit_seconds)
    return response


@router.get("/login/second-factor")
def second_factor_form(request: Request, principal: PendingLogin) -> Response:
    return flow.wrong_stage(principal, "mfa") or render(request, "second_factor.html", principal_pending=principal)


def _code_failed(request: Request, ctx: Ctx, principal: Principal, action: str) -> Response | None:
    """Count a wrong code like a wrong password; past the account's free failures the login starts over."""
    throttle = request.app.state.throttle
    device = flow.device_id(request, ctx, principal.name)
    throttle.failed(principal.name, client_ip(request), device)
    audit_log(
        request,
        "login_failed",
        target=principal.name,
        kind="user",
        outcome="bad_code",
        details={"step": action},
        principal=principal,
    )
    if throttle.check(principal.name, client_ip(request), device).wait_seconds > 0:
        revoke(ctx, principal.session.id_hash)
        return _login_page(request, ctx, 429, "Too many wrong codes. Sign in again in a little while.")
    return None


@router.post("/login/second-factor")
def second_factor(request: Request, ctx: Ctx, principal: PendingLogin, code: Code) -> Response:
    if wrong := flow.wrong_stage(principal, "mfa"):
        return wrong
    used = flow.check_second_factor(ctx, principal.user, code)
    if used is None:
        return _code_failed(request, ctx, principal, "mfa") or render(
            request, "second_factor.html", 401, principal_pending=principal, error="Wrong or already used code."
        )
    details = {"step": "login", "factor": used}
    audit_log(request, "mfa", target=principal.name, kind="user", details=details, principal=principal)
    return flow.redirect_onwards(request, ctx, principal, flow.next_stage(principal.user, second_factor_done=True))


def _enrol_page(
    request: Request, ctx: Ctx, principal: Principal, status: int = 200, error: str | None = None
) -> Response:
    sealed = principal.session.enrol_seed
    if sealed is None:  # one seed per pending login, so a reload shows the same QR code
        sealed = mfa.seal_seed(ctx.settings.secret_key, mfa.new_seed())
        update_session(ctx, principal.session.id_hash, enrol_seed=sealed)
    seed = mfa.open_seed(ctx.settings.secret_key, sealed)
    uri = mfa.provisioning_uri(seed, principal.name, ctx.settings.mfa_issuer)
    return render(
        request,
        "enrol.html",
        status,
        principal_pending=principal,
        qr=mfa.qr_data_uri(uri),
        seed=" ".join(seed[i : i + 4] for i in range(0, len(seed), 4)),
        error=error,
    )


@router.get("/login/enrol")
def enrol_form(request: Request, ctx: Ctx, principal: PendingLogin) -> Response:
    return flow.wrong_stage(principal, "enrol") or _enrol_page(request, ctx, principal)


@router.post("/login/enrol")
def enrol(request: Request, ctx: Ctx, principal: PendingLogin, code: Code) -> Response:
    if wrong := flow.wrong_stage(principal, "enrol"):
        return wrong
    sealed = principal.session.enrol_seed
    seed = mfa.open_seed(ctx.settings.secret_key, sealed) if sealed else None
    step = mfa.matching_step(seed, code, None) if seed else None
    if step is None:
        failed = _code_failed(request, ctx, principal, "enrol")
        return failed or _enrol_page(request, ctx, principal, 400, "That code does not match; try the next one.")
    codes = mfa.new_recovery_codes(ctx.settings.mfa_recovery_codes)
    enrol_totp(ctx, principal.name, sealed, step, [passwords_for(ctx.settings).hash_secret(c) for c in codes])
    audit_log(request, "mfa", target=principal.name, kind="user", details={"step": "enrol"}, principal=principal)
    user = get_user(ctx, principal.name) or principal.user
    stage = flow.next_stage(user, second_factor_done=True)
    # The codes are shown once, on this page; its link goes where the login continues.
    page = render(
        request, "recovery_codes.html", codes=codes, next_url=flow.landing(user, stage), principal_pending=principal
    )
    flow.advance(request, ctx, Principal(user, principal.session), stage, page)
    return page


@router.get("/login/password")
def new_password_form(request: Request, principal: PendingLogin) -> Response:
    return flow.wrong_stage(principal, "password") or render(request, "new_password.html", principal_pending=principal)


@router.post("/login/password")
def new_password(
    request: Request, ctx: Ctx, principal: PendingLogin, password: NewPassword, confirm: NewPassword
) -> Response:
    if wrong := flow.wrong_stage(principal, "password"):
        return wrong
    error = flow.new_password_error(ctx, principal.user, password, confirm)
    if error:
        return render(request, "new_password.html", 400, principal_pending=principal, error=error)
    set_password_hash(ctx, principal.name, passwords_for(ctx.settings).hash(password, principal.name))
    details = {"op": "forced_change"}
    audit_log(request, "password", target=principal.name, kind="user", details=details, principal=principal)
    response = RedirectResponse(flow.landing(principal.user, FULL), status_code=303)
    flow.complete(request, ctx, principal.user, principal.session, response)
    return response


@router.post("/logout")
async def logout(request: Request, principal: CurrentUser, ctx: Ctx) -> Response:
    await run_in_threadpool(revoke, ctx, principal.session.id_hash)
    await run_in_threadpool(audit_log, request, "logout", target=principal.name, kind="user")
    response = RedirectResponse("/login", status_code=303)
    delete_cookie(response, ctx.settings, SESSION_COOKIE)
    return response
