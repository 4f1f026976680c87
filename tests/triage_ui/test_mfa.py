"""Finding 2: a second factor for every role, step-up, own password changes, policy, rehash.

Before: password only; no way to change one's password; an admin-set password never had
to change; no common-password check; ``needs_rehash`` never called.
"""

from __future__ import annotations

import hashlib
import re

import pyotp
import pytest
from fastapi.testclient import TestClient

from tests.triage_ui.conftest import settings_for_tests
from tests.triage_ui.helpers import BASE_URL, PASSWORD, SEEDS, csrf_from, fresh_code, login, post_password
from triage_ui import data
from triage_ui.app import create_app
from triage_ui.launch import add_enrolled_user
from triage_ui.login import next_stage
from triage_ui.security import mfa
from triage_ui.security.passwords import WeakPasswordError, passwords_for
from triage_ui.security.sessions import session_cookie
from triage_ui.store import audit
from triage_ui.store.users import add_user, get_user

pytestmark = pytest.mark.es
ADMIN_SET = "set by the admin 2026 x"
OWN = "lantern orchard velvet compass"


def _form_post(client: TestClient, page: str, action: str, **data: str):
    return client.post(action, data={"csrf_token": csrf_from(client.get(page).text), **data}, follow_redirects=False)


def _enrol_code(page_html: str) -> tuple[str, str]:
    """The seed shown on the enrolment page (for manual entry) and its current code."""
    seed = re.search(r'<code class="seed">([A-Z2-7 ]+)</code>', page_html).group(1).replace(" ", "")
    return seed, pyotp.TOTP(seed).now()


def test_first_login_enrols_then_forces_a_new_password(client_for, ui_ctx):
    add_user(ui_ctx, "newbie1", "investigator", ADMIN_SET)
    client, _ = client_for()
    resp = post_password(client, "newbie1", ADMIN_SET)
    assert resp.headers["location"] == "/login/enrol"
    page = client.get("/login/enrol").text
    qr = re.search(r'<img class="qr" src="data:image/svg\+xml[^"]*"', page)
    assert qr, "the QR code is an inline SVG image drawn by the server"
    assert _enrol_code(client.get("/login/enrol").text)[0] == _enrol_code(page)[0]  # a reload: the same seed
    assert _form_post(client, "/login/enrol", "/login/enrol", code="123456").status_code == 400
    seed, code = _enrol_code(page)
    resp = _form_post(client, "/login/enrol", "/login/enrol", code=code)
    codes = re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", resp.text)
    assert resp.status_code == 200 and len(codes) == ui_ctx.settings.mfa_recovery_codes
    assert 'href="/login/password"' in resp.text
    stored = get_user(ui_ctx, "newbie1")
    assert stored.enrolled and len(stored.recovery_codes) == len(codes)
    assert all(c not in str(ui_ctx.es.get(index=ui_ctx.alias("users"), id="newbie1")) for c in codes)  # hashed only
    assert seed not in str(ui_ctx.es.get(index=ui_ctx.alias("users"), id="newbie1"))  # sealed
    assert client.get("/queue", follow_redirects=False).status_code == 303  # not signed in yet
    for bad, why in (
        (("short one", "short one"), "at least 12"),
        (("password1234", "password1234"), "commonly used"),
        ((OWN, OWN + "x"), "differ"),
        ((ADMIN_SET, ADMIN_SET), "different from the current"),
        (("qwertyuiop123456", "qwertyuiop123456"), "too easy"),
    ):
        resp = _form_post(client, "/login/password", "/login/password", password=bad[0], confirm=bad[1])
        assert resp.status_code == 400 and why in resp.text, why
    resp = _form_post(client, "/login/password", "/login/password", password=OWN, confirm=OWN)
    assert resp.status_code == 303 and resp.headers["location"] == "/queue"
    assert client.get("/queue").status_code == 200
    user = get_user(ui_ctx, "newbie1")
    assert not user.must_change_password and passwords_for(ui_ctx.settings).verify(user.password_hash, OWN)
    SEEDS["newbie1"] = seed
    # the next login asks for a code, and takes a recovery code once
    with TestClient(client.app, base_url=BASE_URL) as again:
        assert post_password(again, "newbie1", OWN).headers["location"] == "/login/second-factor"
        assert _form_post(again, "/login/second-factor", "/login/second-factor", code=codes[0]).status_code == 303
    with TestClient(client.app, base_url=BASE_URL) as third:
        post_password(third, "newbie1", OWN)
        resp = _form_post(third, "/login/second-factor", "/login/second-factor", code=codes[0])
        assert resp.status_code == 401  # used up
    assert len(get_user(ui_ctx, "newbie1").recovery_codes) == len(codes) - 1


def test_a_code_is_accepted_once(client_for, ui_ctx):
    """RFC 6238 codes are replayable within their step; the replay guard makes each one single-use."""
    client, _ = client_for()
    post_password(client, "analyst2")
    code = fresh_code(ui_ctx, "analyst2")
    assert _form_post(client, "/login/second-factor", "/login/second-factor", code=code).status_code == 303
    with TestClient(client.app, base_url=BASE_URL) as replay:
        post_password(replay, "analyst2")
        assert _form_post(replay, "/login/second-factor", "/login/second-factor", code=code).status_code == 401


def test_matching_step_window_and_replay():
    seed = mfa.new_seed()
    totp = pyotp.TOTP(seed)
    now = 1_800_000_000.0
    step = mfa.current_step(now)
    assert mfa.matching_step(seed, totp.at(now), None, now) == step
    assert mfa.matching_step(seed, totp.at(now - 30), None, now) == step - 1  # clock drift of one step
    assert mfa.matching_step(seed, totp.at(now - 90), None, now) is None
    assert mfa.matching_step(seed, totp.at(now), step, now) is None  # already used
    assert mfa.matching_step(seed, "12 34 5x", None, now) is None


def test_seed_sealed_with_another_secret_cannot_be_opened():
    sealed = mfa.seal_seed("one secret " * 4, mfa.new_seed())
    with pytest.raises(mfa.SeedError):
        mfa.open_seed("another secret " * 4, sealed)


def test_exports_user_admin_and_promotion_need_a_fresh_step_up(client_for, ui_ctx):
    client, csrf = client_for("admin1")
    cookie = client.cookies.get(session_cookie(ui_ctx.settings))
    ui_ctx.es.update(
        index=ui_ctx.alias("sessions"),
        id=hashlib.sha256(cookie.encode()).hexdigest(),
        doc={"reauth_at": "2020-01-01T00:00:00Z"},
        refresh=True,
    )
    resp = client.post("/exports", data={"csrf_token": csrf, "format": "csv", "selected": ["prikbord:1001"]})
    assert resp.status_code == 401 and "Confirm it is you" in resp.text
    resp = client.get("/ads/prikbord:1001/report", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/step-up?next=%2Fads%2Fprikbord%3A1001%2Freport"
    for action, form in (
        ("/admin/users", {"name": "x2", "role": "analyst", "password": OWN}),
        ("/admin/users/analyst2/disable", {}),
        ("/admin/users/analyst2/reset-mfa", {}),
        ("/ml/promote", {"version": "v1"}),
        ("/account/recovery-codes", {}),
    ):
        resp = client.post(action, data={"csrf_token": csrf, **form})
        assert resp.status_code == 401 and "Confirm it is you" in resp.text, action
    assert get_user(ui_ctx, "x2") is None and not get_user(ui_ctx, "analyst2").disabled
    bad = client.post("/step-up", data={"csrf_token": csrf, "code": "000000", "next": "/exports"})
    assert bad.status_code == 401
    resp = client.post(
        "/step-up",
        data={"csrf_token": csrf, "code": fresh_code(ui_ctx, "admin1"), "next": "https://elsewhere.example/"},
        follow_redirects=False,
    )
    assert resp.status_code == 303 and resp.headers["location"] == "/queue"  # never to another site
    resp = client.post("/exports", data={"csrf_token": csrf, "format": "csv", "selected": ["prikbord:1001"]})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    ui_ctx.es.indices.refresh(index=ui_ctx.alias("audit"))
    steps = audit.browse(ui_ctx, user="admin1", action="mfa")["hits"]["hits"]
    assert {h["_source"]["outcome"] for h in steps} >= {"ok", "bad_code"}


def test_permission_is_checked_before_step_up(client_for):
    client, csrf = client_for("mlstaff")
    resp = client.post("/exports", data={"csrf_token": csrf, "format": "csv", "selected": ["prikbord:1001"]})
    assert resp.status_code == 403


def test_change_own_password_ends_other_sessions(client_for, ui_ctx):
    SEEDS["changer1"] = add_enrolled_user(ui_ctx, "changer1", "analyst", PASSWORD)
    other, _ = client_for("changer1")
    client, csrf = client_for("changer1")
    resp = client.post(
        "/account/password", data={"csrf_token": csrf, "current": "not it at all", "password": OWN, "confirm": OWN}
    )
    assert resp.status_code == 400 and "current password is wrong" in resp.text
    resp = client.post(
        "/account/password", data={"csrf_token": csrf, "current": PASSWORD, "password": OWN, "confirm": OWN}
    )
    assert resp.status_code == 200 and "Password changed" in resp.text
    assert client.get("/queue").status_code == 200
    assert other.get("/queue", follow_redirects=False).status_code == 303
    assert passwords_for(ui_ctx.settings).verify(get_user(ui_ctx, "changer1").password_hash, OWN)


def test_login_rehashes_when_argon2_parameters_change(component_client, index_prefix, ui_ctx):
    """``needs_rehash`` on every login: a hash made with old parameters is replaced by one with the new."""
    SEEDS["rehash1"] = add_enrolled_user(ui_ctx, "rehash1", "analyst", PASSWORD)
    old_hash = get_user(ui_ctx, "rehash1").password_hash
    assert "m=1024,t=1" in old_hash
    stronger = settings_for_tests(argon2_time_cost=2, argon2_memory_kib=2048)
    app = create_app(component_client("ui"), index_prefix, stronger, ensure_indices=False)
    with TestClient(app, base_url=BASE_URL) as client:
        login(client, "rehash1")
    new_hash = get_user(ui_ctx, "rehash1").password_hash
    assert "m=2048,t=2" in new_hash and passwords_for(stronger).verify(new_hash, PASSWORD)
    app.state.pdf.close()


def test_password_policy():
    policy = passwords_for(settings_for_tests())
    for weak in ("short", "123456789012", "qwertyuiopasdf", "Signaal2026!", "annaanna12345678", "password1234"):
        with pytest.raises(WeakPasswordError):
            policy.check_policy(weak, "anna")
    policy.check_policy(OWN, "anna")
    policy.check_policy("x" * 64 + " a long passphrase", "anna")  # long passwords are fine (ASVS 6.2.9)


def test_second_factor_is_configurable_per_role(monkeypatch, ui_ctx):
    """roles.yaml ``mfa_required``: on for every role shipped; a role set to false skips enrolment."""
    assert all(data.mfa_required(role) for role in data.roles())
    assert data.mfa_required("a-role-not-listed")
    user = add_user(ui_ctx, "optout1", "analyst", PASSWORD, must_change=False)
    assert next_stage(user, second_factor_done=False) == "enrol"
    monkeypatch.setattr(data, "mfa_required", lambda role: role != "analyst")
    assert next_stage(user, second_factor_done=False) == "full"


def test_admin_resets_a_lost_second_factor(client_for, ui_ctx):
    SEEDS["lost1"] = add_enrolled_user(ui_ctx, "lost1", "analyst", PASSWORD)
    admin, csrf = client_for("admin1")
    assert admin.post("/admin/users/lost1/reset-mfa", data={"csrf_token": csrf}).status_code == 200
    assert not get_user(ui_ctx, "lost1").enrolled
    with TestClient(admin.app, base_url=BASE_URL) as client:
        assert post_password(client, "lost1").headers["location"] == "/login/enrol"


def test_qr_code_is_an_svg_data_uri():
    seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    uri = mfa.provisioning_uri(seed, "anna", "Signaal")
    data_uri = mfa.qr_data_uri(uri)
    assert data_uri.startswith("data:image/svg+xml")
    assert uri.startswith(f"otpauth://totp/Signaal:anna?secret={seed}")
