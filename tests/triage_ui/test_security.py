"""Sessions, cookies, CSRF, roles, headers and safe defaults against the real app and ES."""

import hashlib
import os
import sys

import pytest
from pydantic import ValidationError

from tests.helpers import run
from tests.triage_ui.conftest import TEST_SECRET, settings_for_tests
from tests.triage_ui.figures import record
from tests.triage_ui.helpers import PASSWORD, SEEDS, login, post_password
from triage_ui.app import create_app
from triage_ui.config import DEV_SECRET, UISettings
from triage_ui.launch import add_enrolled_user
from triage_ui.security.clientaddr import client_address
from triage_ui.security.sessions import session_cookie
from triage_ui.store import audit
from triage_ui.store.users import add_user, set_disabled

pytestmark = pytest.mark.es


def _cookie(client) -> str:
    return client.cookies.get(session_cookie(client.app.state.ctx.settings))


def test_pages_require_login(client_for):
    client, _ = client_for()
    resp = client.get("/queue", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/login"


def test_session_cookie_is_host_prefixed_secure_and_session_only(client_for):
    """Finding 6: ``__Host-``, always Secure outside --dev, no Max-Age; a planted id is not adopted."""
    client, _ = client_for()
    client.cookies.set("__Host-signaal_session", "attacker-chosen-id")
    resp = post_password(client, "analyst1")
    cookie = resp.headers["set-cookie"]
    assert cookie.startswith("__Host-signaal_session=") and "attacker-chosen-id" not in cookie
    lowered = cookie.lower()
    assert "; secure" in lowered and "; httponly" in lowered and "samesite=strict" in lowered and "path=/" in lowered
    assert "max-age" not in lowered and "expires" not in lowered and "domain" not in lowered


def test_login_rotates_the_session_id_after_the_second_factor(client_for):
    client, _ = client_for()
    post_password(client, "analyst1")
    pending = _cookie(client)
    login(client, "analyst1")
    assert _cookie(client) != pending
    client.cookies.set(session_cookie(client.app.state.ctx.settings), pending)
    assert client.get("/queue", follow_redirects=False).status_code == 303  # the pending id died with the login


def test_pending_login_reaches_nothing_but_its_next_step(client_for):
    client, _ = client_for()
    assert post_password(client, "analyst1").headers["location"] == "/login/second-factor"
    for path in ("/queue", "/ads/prikbord:1001", "/account", "/admin/audit"):
        assert client.get(path, follow_redirects=False).status_code == 303, path


def test_session_id_is_stored_only_as_hash(client_for, ui_ctx):
    client, _ = client_for("analyst1")
    token = _cookie(client)
    ui_ctx.es.indices.refresh(index=ui_ctx.alias("sessions"))
    hits = ui_ctx.es.search(index=ui_ctx.alias("sessions"), query={"term": {"user": "analyst1"}})["hits"]["hits"]
    assert hits and all(token not in str(hit) for hit in hits)
    assert hashlib.sha256(token.encode()).hexdigest() in {hit["_id"] for hit in hits}


def test_security_headers(client_for):
    client, _ = client_for("analyst1")
    resp = client.get("/queue")
    csp = resp.headers["content-security-policy"]
    for part in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "'strict-dynamic'", "'nonce-"):
        assert part in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in resp.text
    assert resp.headers["cache-control"] == "no-store"
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["referrer-policy"] == "no-referrer"
    assert resp.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"  # finding 6
    assert client.get("/queue").headers["content-security-policy"] != csp  # fresh nonce per request


def test_dev_mode_relaxes_cookies_and_hsts_only_when_asked(component_client, index_prefix):
    from fastapi.testclient import TestClient

    dev = settings_for_tests(environment="development")
    app = create_app(component_client("ui"), index_prefix, dev, ensure_indices=False)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        resp = client.get("/login")
        assert "strict-transport-security" not in resp.headers
        cookie = resp.headers["set-cookie"]
        assert cookie.startswith("signaal_pre=") and "secure" not in cookie.lower()


def test_production_is_the_default_and_refuses_weak_secrets(monkeypatch):
    """Finding 6: no environment set = production; the public dev secret or a short one stops the start."""
    monkeypatch.delenv("SIGNAAL_UI_ENVIRONMENT", raising=False)
    monkeypatch.delenv("SIGNAAL_UI_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="SECRET_KEY must be set"):
        UISettings()
    with pytest.raises(ValidationError, match="at least 32"):
        UISettings(secret_key="s3cr3t-but-short")
    assert UISettings(secret_key=TEST_SECRET).environment == "production"
    assert UISettings(secret_key=TEST_SECRET).secure_cookies
    dev = UISettings(environment="development")
    assert dev.secret_key == DEV_SECRET and not dev.secure_cookies


def test_state_change_without_csrf_is_rejected_and_logged(client_for, ui_ctx):
    client, _ = client_for("analyst2")
    page = client.get("/ads/prikbord:1002")
    ad_token = page.text.split('name="token" value="')[1].split('"')[0].replace("&#34;", '"')
    resp = client.post("/ads/prikbord:1002/decision", data={"decision": "lead", "token": ad_token})
    assert resp.status_code == 403
    resp = client.post(
        "/ads/prikbord:1002/decision", data={"decision": "lead", "token": ad_token, "csrf_token": "forged"}
    )
    assert resp.status_code == 403
    ui_ctx.es.indices.refresh(index=ui_ctx.alias("audit"))
    denied = audit.browse(ui_ctx, user="analyst2", action="denied")["hits"]["hits"]
    here = [h["_source"] for h in denied if h["_source"]["target_id"] == "/ads/prikbord:1002/decision"]
    assert len(here) == 2 and all(entry["details"]["reason"].startswith("CSRF") for entry in here)
    assert ui_ctx.es.get(index=ui_ctx.alias("ads"), id="prikbord:1002")["_source"].get("triage") is None


def test_login_form_needs_its_csrf_token(client_for):
    client, _ = client_for()
    client.get("/login")
    resp = client.post("/login", data={"username": "analyst1", "password": PASSWORD})
    assert resp.status_code == 403


@pytest.mark.parametrize("path", ["/admin/audit", "/admin/users"])
def test_analyst_gets_403_on_admin_pages(client_for, ui_ctx, path):
    client, _ = client_for("analyst1")
    assert client.get(path).status_code == 403
    ui_ctx.es.indices.refresh(index=ui_ctx.alias("audit"))
    hits = audit.browse(ui_ctx, user="analyst1", action="denied")["hits"]["hits"]
    assert any(hit["_source"]["target_id"] == path for hit in hits)


def test_no_session_survives_logout(client_for):
    """Sign in several times, sign each out, replay every old cookie: none works."""
    signed_out = []
    for name in ("analyst1", "analyst2", "investigator1", "admin1", "mlstaff"):
        client, token = client_for(name)
        cookie = _cookie(client)
        assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
        client.cookies.set(session_cookie(client.app.state.ctx.settings), cookie)  # replay the old cookie
        signed_out.append(client.get("/account", follow_redirects=False).status_code)
    alive = sum(status == 200 for status in signed_out)
    record("sessions", logged_out=len(signed_out), alive_after_logout=alive)
    assert signed_out == [303] * len(signed_out)


def test_disable_revokes_sessions(client_for, ui_ctx):
    SEEDS["temp1"] = add_enrolled_user(ui_ctx, "temp1", "analyst", PASSWORD)
    client, _ = client_for("temp1")
    assert client.get("/queue").status_code == 200
    set_disabled(ui_ctx, "temp1")
    assert client.get("/queue", follow_redirects=False).status_code == 303
    hits = ui_ctx.es.search(index=ui_ctx.alias("sessions"), query={"term": {"user": "temp1"}})["hits"]["hits"]
    assert hits == []


def test_admin_cannot_disable_own_account(client_for, ui_ctx):
    """Finding 8: refused server-side (the missing button was the only guard), and audited."""
    client, csrf = client_for("admin1")
    resp = client.post("/admin/users/admin1/disable", data={"csrf_token": csrf})
    assert resp.status_code == 400 and "your own account" in resp.text
    assert ui_ctx.es.get(index=ui_ctx.alias("users"), id="admin1")["_source"]["disabled"] is False
    ui_ctx.es.indices.refresh(index=ui_ctx.alias("audit"))
    refused = audit.browse(ui_ctx, user="admin1", action="user_admin")["hits"]["hits"]
    assert refused[0]["_source"]["outcome"] == "refused"


def test_idle_timeout_ends_session(client_for, ui_ctx):
    client, _ = client_for("analyst1")
    ui_ctx.es.update(
        index=ui_ctx.alias("sessions"),
        id=hashlib.sha256(_cookie(client).encode()).hexdigest(),
        doc={"last_seen": "2020-01-01T00:00:00Z"},
        refresh="wait_for",
    )
    assert client.get("/queue", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),  # not a proxy: its header is ignored
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),  # our proxy: the client it saw
        ("10.0.0.2", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # a forged left-most entry is not believed
        ("10.0.0.2", "198.51.100.1, 10.0.0.3", "198.51.100.1"),  # a chain of our own proxies
        ("10.0.0.2", "not-an-ip", "10.0.0.2"),
        ("10.0.0.2", None, "10.0.0.2"),
    ],
)
def test_client_address_believes_only_trusted_proxies(peer, forwarded, expected):
    proxies = settings_for_tests(trusted_proxies="10.0.0.0/24, ::1").proxy_networks
    assert client_address(peer, forwarded, proxies) == expected


def test_trusted_proxies_must_parse():
    with pytest.raises(ValidationError, match="not an address"):
        settings_for_tests(trusted_proxies="10.0.0.0/24, proxy.example")


def test_new_accounts_start_with_a_forced_password_change(ui_ctx):
    user = add_user(ui_ctx, "fresh1", "analyst", "an admin set this one 42")
    assert user.must_change_password and not user.enrolled


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        ({}, [], "SIGNAAL_UI_SECRET_KEY must be set"),
        ({"SIGNAAL_UI_SECRET_KEY": "too-short"}, [], "at least 32 characters"),
        ({"SIGNAAL_UI_SECRET_KEY": TEST_SECRET}, ["--host", "0.0.0.0"], "needs TLS"),
    ],
)
def test_signaal_ui_refuses_to_start_unsafely(index_prefix, env, args, message):
    """Finding 6: production unless --dev, and the command says why it will not start, in one line."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIGNAAL_UI_")}
    proc = run([sys.executable, "-m", "signaal", "ui", "--port", "1", *args], env={**clean, **env})
    assert proc.returncode == 1 and message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
