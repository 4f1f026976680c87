"""The signed-in user's own account: change password, new recovery codes, and step-up.

Step-up: exports, user administration and model promotion need the second factor
re-entered within ``mfa_step_up_minutes`` (``deps.step_up``). A user of a role without a
second factor who has not enrolled one re-enters the password instead.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from triage_ui import login as flow
from triage_ui.deps import Ctx, CurrentUser, audit_log, client_ip, home_for, step_up
from triage_ui.security import mfa
from triage_ui.security.passwords import passwords_for
from triage_ui.security.sessions import mark_reauthenticated, revoke_user_sessions
from triage_ui.store.users import Principal, mfa_status, replace_recovery_codes, set_password_hash
from triage_ui.templating import render

router = APIRouter()
Next = Annotated[str, Query(max_length=2000)]
NewPassword = Annotated[str, Form(max_length=1024)]


@router.get("/step-up")
def step_up_form(request: Request, principal: CurrentUser, next: Next = "/") -> Response:
    return render(request, "step_up.html", next_url=flow.safe_next(next, home_for(principal)))


@router.post("/step-up")
def step_up_check(
    request: Request,
    ctx: Ctx,
    principal: CurrentUser,
    code: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    target = flow.safe_next(next, home_for(principal))
    throttle = request.app.state.throttle
    device = flow.device_id(request, ctx, principal.name)
    if throttle.check(principal.name, client_ip(request), device).wait_seconds > 0:
        audit_log(request, "mfa", target=principal.name, kind="user", outcome="throttled", details={"step": "step_up"})
        return render(request, "step_up.html", 429, next_url=target, error="Too many wrong codes; wait a little.")
    user = principal.user
    if user.enrolled:
        used = flow.check_second_factor(ctx, user, code)
    else:  # a role without a second factor: the password again
        used = "password" if passwords_for(ctx.settings).verify(user.password_hash, code) else None
    if used is None:
        throttle.failed(principal.name, client_ip(request), device)
        audit_log(request, "mfa", target=principal.name, kind="user", outcome="bad_code", details={"step": "step_up"})
        return render(request, "step_up.html", 401, next_url=target, error="Wrong or already used code.")
    mark_reauthenticated(ctx, principal.session.id_hash)
    audit_log(request, "mfa", target=principal.name, kind="user", details={"step": "step_up", "factor": used})
    return RedirectResponse(target, status_code=303)


def _account_page(request: Request, principal: Principal, status: int = 200, **context) -> Response:
    user = principal.user
    return render(
        request,
        "account.html",
        status,
        mfa=mfa_status(user),
        recovery_left=len(user.recovery_codes),
        **context,
    )


@router.get("/account")
def account(request: Request, principal: CurrentUser) -> Response:
    audit_log(request, "view", target="account")
    return _account_page(request, principal)


@router.post("/account/password")
def change_password(
    request: Request,
    ctx: Ctx,
    principal: CurrentUser,
    current: Annotated[str, Form(max_length=1024)],
    password: NewPassword,
    confirm: NewPassword,
) -> Response:
    """Change one's own password: the current one first; every other session of the account ends."""
    if not passwords_for(ctx.settings).verify(principal.user.password_hash, current):
        request.app.state.throttle.failed(principal.name, client_ip(request), None)
        audit_log(request, "password", target=principal.name, kind="user", outcome="bad_credentials")
        return _account_page(request, principal, 400, error="The current password is wrong.")
    error = flow.new_password_error(ctx, principal.user, password, confirm)
    if error:
        return _account_page(request, principal, 400, error=error)
    set_password_hash(ctx, principal.name, passwords_for(ctx.settings).hash(password, principal.name))
    ended = revoke_user_sessions(ctx, principal.name, keep=principal.session.id_hash)
    audit_log(
        request, "password", target=principal.name, kind="user", details={"op": "change", "sessions_ended": ended}
    )
    return _account_page(request, principal, notice="Password changed; your other sessions were signed out.")


@router.post("/account/recovery-codes")
def new_recovery_codes(request: Request, ctx: Ctx, principal: Annotated[Principal, step_up("/account")]) -> Response:
    """A fresh set of recovery codes (the old ones stop working), shown once."""
    if not principal.user.enrolled:
        return _account_page(request, principal, 400, error="Enrol a second factor first (at your next login).")
    codes = mfa.new_recovery_codes(ctx.settings.mfa_recovery_codes)
    if not replace_recovery_codes(ctx, principal.user, [passwords_for(ctx.settings).hash_secret(c) for c in codes]):
        return _account_page(request, principal, 409, error="Your account changed meanwhile; try again.")
    audit_log(request, "mfa", target=principal.name, kind="user", details={"step": "new_recovery_codes"})
    return render(request, "recovery_codes.html", codes=codes, next_url="/account")
