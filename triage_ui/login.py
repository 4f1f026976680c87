"""The steps of a login after the password, shared by the login, step-up and account pages.

A login is: password -> second factor (or enrolment at the first login) -> a new
password if an admin set the current one -> a full session. ``next_stage`` says which
step comes next; ``complete`` turns a passed login into a full session with a fresh id,
clears the account's throttle and hands the browser its device cookie.
``check_second_factor`` accepts a TOTP code (once) or an unused recovery code (used up).
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from signaal.ids import utc_iso
from triage_ui.context import UIContext, utcnow
from triage_ui.deps import audit_log, client_ip, home_for, user_agent
from triage_ui.security import csrf, devices, mfa
from triage_ui.security.cookies import cookie_name, delete_cookie, set_cookie
from triage_ui.security.passwords import WeakPasswordError, passwords_for
from triage_ui.security.sessions import FULL, SESSION_COOKIE, Session, create_session, revoke, update_session
from triage_ui.store.users import Principal, User, claim_totp_step, replace_recovery_codes, update_fields

STAGE_PAGES = {"mfa": "/login/second-factor", "enrol": "/login/enrol", "password": "/login/password"}


def next_stage(user: User, *, second_factor_done: bool) -> str:
    """The step a login that passed its password goes to next."""
    if not second_factor_done and (user.enrolled or user.mfa_required):
        return "mfa" if user.enrolled else "enrol"
    if user.must_change_password:
        return "password"
    return FULL


def device_id(request: Request, ctx: UIContext, user: str) -> str | None:
    """The device id of the request's device cookie, if it is valid for ``user``."""
    cookie = request.cookies.get(cookie_name(ctx.settings, devices.COOKIE))
    return devices.device_for(ctx.settings.secret_key, cookie, user)


def check_second_factor(ctx: UIContext, user: User, code: str) -> str | None:
    """``"totp"`` or ``"recovery"`` when ``code`` is a valid, unused second factor of ``user``, else None."""
    if user.totp_seed:
        try:
            seed = mfa.open_seed(ctx.settings.secret_key, user.totp_seed)
        except mfa.SeedError:
            seed = None
        step = mfa.matching_step(seed, code, user.totp_last_step) if seed else None
        if step is not None and claim_totp_step(ctx, user, step):
            return "totp"
    recovery = mfa.normalize_recovery_code(code)
    if recovery is None:
        return None
    for i, stored in enumerate(user.recovery_codes):
        if passwords_for(ctx.settings).verify(stored, recovery):
            rest = [*user.recovery_codes[:i], *user.recovery_codes[i + 1 :]]
            return "recovery" if replace_recovery_codes(ctx, user, rest) else None
    return None


def start(request: Request, ctx: UIContext, user: User, stage: str) -> Response:
    """A pending session at ``stage`` (never a full one: see ``complete``), and a redirect to its page."""
    token, _ = create_session(ctx, user.name, user.role, client_ip(request), user_agent(request), stage=stage)
    response = RedirectResponse(STAGE_PAGES[stage], status_code=303)
    set_cookie(response, ctx.settings, SESSION_COOKIE, token)
    return response


def landing(user: User, stage: str) -> str:
    """Where the browser goes next: the page of ``stage``, or the user's home once signed in."""
    return home_for(user) if stage == FULL else STAGE_PAGES[stage]


def advance(request: Request, ctx: UIContext, principal: Principal, stage: str, response: Response) -> None:
    """Move a pending login on to ``stage`` (same session) or complete it, writing cookies to ``response``."""
    if stage == FULL:
        complete(request, ctx, principal.user, principal.session, response)
    else:
        update_session(ctx, principal.session.id_hash, stage=stage)


def redirect_onwards(request: Request, ctx: UIContext, principal: Principal, stage: str) -> Response:
    response = RedirectResponse(landing(principal.user, stage), status_code=303)
    advance(request, ctx, principal, stage, response)
    return response


def complete(request: Request, ctx: UIContext, user: User, pending: Session | None, response: Response) -> None:
    """Replace the pending session with a full one (new id), clear the throttle, hand out the device cookie."""
    if pending is not None:
        revoke(ctx, pending.id_hash)
    token, session = create_session(
        ctx, user.name, user.role, client_ip(request), user_agent(request), stage=FULL, reauth=True
    )
    known_device = device_id(request, ctx, user.name)
    request.app.state.throttle.succeeded(user.name, known_device)
    update_fields(ctx, user.name, last_login_at=utc_iso(utcnow()))
    audit_log(request, "login", target=user.name, kind="user", principal=Principal(user, session))
    set_cookie(response, ctx.settings, SESSION_COOKIE, token)
    delete_cookie(response, ctx.settings, csrf.PRE_COOKIE)
    if known_device is None:
        cookie = devices.issue(ctx.settings.secret_key, user.name)
        set_cookie(response, ctx.settings, devices.COOKIE, cookie, max_age=devices.MAX_AGE_SECONDS)


def wrong_stage(principal: Principal, stage: str) -> Response | None:
    """A redirect to the step this pending login is really at, if it is not at ``stage``."""
    if principal.session.stage == stage:
        return None
    return RedirectResponse(STAGE_PAGES.get(principal.session.stage, "/login"), status_code=303)


def safe_next(path: str | None, default: str) -> str:
    """A local path to return to after a step-up (never another site: no ``//``, no scheme, no backslash)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path or len(path) > 2000:
        return default
    return path


def new_password_error(ctx: UIContext, user: User, password: str, confirm: str) -> str | None:
    """Why a new password is refused (None: accepted): typed twice alike, not the old one, the policy."""
    if password != confirm:
        return "The two new passwords differ."
    passwords = passwords_for(ctx.settings)
    if passwords.verify(user.password_hash, password):
        return "Choose a password different from the current one."
    try:
        passwords.check_policy(password, user.name)
    except WeakPasswordError as exc:
        return str(exc)
    return None
