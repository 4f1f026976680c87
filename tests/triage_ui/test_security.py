"""Sessions, CSRF, roles, headers and login throttling against the real app and ES."""

import pytest

from tests.triage_ui.helpers import PASSWORD, csrf_from
from triage_ui.security.sessions import COOKIE_NAME
from triage_ui.store import audit
from triage_ui.store.users import set_disabled

pytestmark = pytest.mark.es


def test_pages_require_login(client_for):
    client, _ = client_for()
    resp = client.get("/queue", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/login"


def test_login_sets_hardened_cookie_and_new_id(client_for):
    client, _ = client_for()
    page = client.get("/login")
    client.cookies.set(COOKIE_NAME, "attacker-chosen-id")
    resp = client.post(
        "/login",
        data={"username": "analyst1", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    cookie = resp.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "attacker-chosen-id" not in cookie and resp.status_code == 303


def test_session_id_is_stored_only_as_hash(client_for, ui_ctx):
    client, _ = client_for("analyst1")
    token = client.cookies.get(COOKIE_NAME)
    ui_ctx.es.indices.refresh(index=ui_ctx.alias("sessions"))
    hits = ui_ctx.es.search(index=ui_ctx.alias("sessions"), query={"term": {"user": "analyst1"}})["hits"]["hits"]
    assert hits and all(token not in str(hit) for hit in hits)


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
    assert client.get("/queue").headers["content-security-policy"] != csp  # fresh nonce per request


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


def test_admin_sees_audit(client_for, ui_ctx):
    client_for("analyst2")  # a login to see, whichever tests ran before
    client, _ = client_for("admin1")
    ui_ctx.es.indices.refresh(index=ui_ctx.alias("audit"))
    resp = client.get("/admin/audit", params={"action": "login", "user": "analyst2"})
    assert resp.status_code == 200 and "<td>analyst2</td><td>analyst</td><td>login</td>" in resp.text


def test_logout_revokes_session(client_for):
    client, token = client_for("analyst1")
    cookie = client.cookies.get(COOKIE_NAME)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    client.cookies.set(COOKIE_NAME, cookie)  # replaying the old cookie must not work
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_disable_revokes_sessions(client_for, ui_ctx):
    from triage_ui.store.users import add_user

    add_user(ui_ctx, "temp1", "analyst", PASSWORD)
    client, _ = client_for("temp1")
    assert client.get("/queue").status_code == 200
    set_disabled(ui_ctx, "temp1")
    assert client.get("/queue", follow_redirects=False).status_code == 303
    hits = ui_ctx.es.search(index=ui_ctx.alias("sessions"), query={"term": {"user": "temp1"}})["hits"]["hits"]
    assert hits == []


@pytest.fixture
def login_limiter(ui_app):
    """The app's login limiter, emptied afterwards even if the test fails: the module's other tests sign in
    from the same address and must not find it throttled."""
    yield ui_app.state.login_limiter
    ui_app.state.login_limiter._failures.clear()


def test_failed_logins_are_throttled_and_logged(client_for, ui_ctx, login_limiter):
    client, _ = client_for()
    page = client.get("/login")
    token = csrf_from(page.text)
    codes = [
        client.post(
            "/login", data={"username": "investigator1", "password": "wrong password!!", "csrf_token": token}
        ).status_code
        for _ in range(6)
    ]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    # even the right password is refused while throttled
    resp = client.post("/login", data={"username": "investigator1", "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 429
    ui_ctx.es.indices.refresh(index=ui_ctx.alias("audit"))
    hits = audit.browse(ui_ctx, action="login_failed")["hits"]["hits"]
    outcomes = [h["_source"]["outcome"] for h in hits if h["_source"]["target_id"] == "investigator1"]
    assert sorted(outcomes) == ["bad_credentials"] * 5 + ["throttled"] * 2


def test_idle_timeout_ends_session(client_for, ui_ctx):
    client, _ = client_for("analyst1")
    token = client.cookies.get(COOKIE_NAME)
    import hashlib

    ui_ctx.es.update(
        index=ui_ctx.alias("sessions"),
        id=hashlib.sha256(token.encode()).hexdigest(),
        doc={"last_seen": "2020-01-01T00:00:00Z"},
        refresh="wait_for",
    )
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_default_secret_refused_outside_development():
    from pydantic import ValidationError

    from triage_ui.config import UISettings

    with pytest.raises(ValidationError, match="SECRET_KEY"):
        UISettings(environment="production")
