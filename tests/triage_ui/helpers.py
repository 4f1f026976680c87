"""Helpers shared by the UI tests: sign in through the real forms (password, then TOTP), read CSRF tokens.

The fixture accounts are enrolled with known TOTP seeds (``triage_ui.launch.add_enrolled_user``).
A code is accepted once per 30-second step, and the tests sign the same accounts in many times
a minute, so ``fresh_code`` first moves the account's "last used step" back: a fixture step, like
setting a session's ``last_seen`` into the past; the replay guard itself is tested on its own.
"""

from __future__ import annotations

import html
import re

import pyotp
from fastapi.testclient import TestClient

from triage_ui.context import UIContext
from triage_ui.security import mfa

PASSWORD = "correct horse battery staple"
SEEDS: dict[str, str] = {}  # user name -> TOTP seed, filled by the conftest
BASE_URL = "https://127.0.0.1"  # Secure cookies: the test client only sends them over https


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def fresh_code(ctx: UIContext, name: str) -> str:
    """A TOTP code of ``name`` that the replay guard has not seen (see the module docstring)."""
    ctx.es.update(index=ctx.alias("users"), id=name, doc={"totp_last_step": mfa.current_step() - 2}, refresh=True)
    return pyotp.TOTP(SEEDS[name]).now()


def post_password(client: TestClient, name: str, password: str = PASSWORD, **extra: str):
    page = client.get("/login")
    data = {"username": name, "password": password, "csrf_token": csrf_from(page.text), **extra}
    return client.post("/login", data=data, follow_redirects=False)


def login(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign in through the forms; return the session's CSRF token (from the account page)."""
    resp = post_password(client, name, password)
    assert resp.status_code == 303 and resp.headers["location"] == "/login/second-factor", resp.text[:500]
    form = client.get("/login/second-factor")
    ctx = client.app.state.ctx
    resp = client.post(
        "/login/second-factor",
        data={"code": fresh_code(ctx, name), "csrf_token": csrf_from(form.text)},
        follow_redirects=False,
    )
    assert resp.status_code == 303, resp.text[:500]
    return csrf_from(client.get("/account").text)


def step_up(client: TestClient, csrf: str, name: str, next_url: str = "/account") -> None:
    """Re-enter the second factor (step-up) for the signed-in ``name``."""
    ctx = client.app.state.ctx
    resp = client.post(
        "/step-up", data={"code": fresh_code(ctx, name), "next": next_url, "csrf_token": csrf}, follow_redirects=False
    )
    assert resp.status_code == 303, resp.text[:500]


def decide(client: TestClient, csrf: str, ad_id: str, decision: str, **labels: str) -> None:
    """Decide an ad through its page and the decision form, as an analyst does (labels: minor=, trafficking=)."""
    page = client.get(f"/ads/{ad_id}").text
    token = html.unescape(page.split('name="token" value="')[1].split('"')[0])
    form = {"csrf_token": csrf, "token": token, "decision": decision}
    form |= {f"label_{target}": value for target, value in labels.items()}
    resp = client.post(f"/ads/{ad_id}/decision", data=form, follow_redirects=False)
    assert resp.status_code == 303, resp.text[:500]
