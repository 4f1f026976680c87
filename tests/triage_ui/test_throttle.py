"""Finding 1: login throttling protects without locking anyone out (counters in Elasticsearch).

Before: 5 failures from one address with any names blocked every account at that address
for 15 minutes, and 5 failures on a name locked that account. Now a spray from one
address puts the address in soft mode (password and code together) and never stops a
correct password with its code; failures on one name slow that name only, and never the
browser its owner signed in from before (device cookie).
"""

from __future__ import annotations

import re

import pyotp
import pytest
from fastapi.testclient import TestClient

from tests.triage_ui.conftest import settings_for_tests
from tests.triage_ui.figures import record
from tests.triage_ui.helpers import BASE_URL, PASSWORD, SEEDS, csrf_from, fresh_code, login
from triage_ui.app import create_app
from triage_ui.launch import add_enrolled_user
from triage_ui.security import counters
from triage_ui.security.throttle import ACCOUNT, SOURCE, LoginThrottle
from triage_ui.store import audit

pytestmark = pytest.mark.es
SPRAY = 1000


@pytest.fixture(scope="module")
def throttle_settings():
    return settings_for_tests(
        login_free_failures=5,
        login_delay_seconds=30,
        login_delay_max_seconds=120,
        login_source_soft_limit=30,
        login_source_tarpit_seconds=0,  # the tarpit's sleep is not what these tests measure
    )


@pytest.fixture(scope="module")
def app(component_client, index_prefix, throttle_settings):
    """The UI as the ``ui`` component: its role must suffice for the shared counters (``<prefix>-throttle``)."""
    app = create_app(component_client("ui"), index_prefix, throttle_settings)
    for name in ("real1", "real2", "target1", "bystander1", "coder1", "other1"):
        SEEDS[name] = add_enrolled_user(app.state.ctx, name, "analyst", PASSWORD)
    yield app
    app.state.pdf.close()


def _client(app, address: str) -> TestClient:
    """A browser at ``address`` (the peer address the throttle sees)."""
    return TestClient(app, base_url=BASE_URL, client=(address, 50000))


def _attempt(client: TestClient, token: str, name: str, password: str, code: str = "") -> int:
    data = {"username": name, "password": password, "csrf_token": token, "code": code}
    return client.post("/login", data=data, follow_redirects=False).status_code


@pytest.mark.slow
def test_spray_from_one_address_does_not_stop_a_real_user_there(app):
    ctx = app.state.ctx
    office = "198.51.100.10"  # one proxy address for the whole organisation
    with _client(app, office) as attacker:
        token = csrf_from(attacker.get("/login").text)
        codes = [_attempt(attacker, token, f"guess{i % 400}", f"wrong password {i}") for i in range(SPRAY)]
    assert codes.count(401) == SPRAY  # every guess was checked and refused; none turned into a lock-out
    source = counters.peek(ctx, SOURCE, office, ctx.settings.login_window_seconds)
    assert source is not None and source.count == SPRAY
    with _client(app, office) as user:
        page = user.get("/login").text
        assert 'name="code"' in page  # soft mode: the code is asked together with the password
        token = csrf_from(page)
        assert _attempt(user, token, "real1", PASSWORD) == 401  # the password alone reveals nothing now
        status = _attempt(user, token, "real1", PASSWORD, fresh_code(ctx, "real1"))
        assert status == 303 and user.get("/queue").status_code == 200
    with _client(app, office) as user:  # and a colleague behind the same proxy
        token = csrf_from(user.get("/login").text)
        colleague = _attempt(user, token, "real2", PASSWORD, pyotp.TOTP(SEEDS["real2"]).now())
    record("spray", failures_from_one_address=SPRAY, names=400, real_users_signed_in=2 if colleague == 303 else 1)
    assert colleague == 303


@pytest.mark.slow
def test_failures_on_one_name_slow_that_name_only(app):
    ctx = app.state.ctx
    with _client(app, "198.51.100.20") as owner:  # the owner signed in from this browser before
        login(owner, "target1")
        device = owner.cookies.get("__Host-signaal_device")
    assert device
    with _client(app, "203.0.113.66") as attacker:
        token = csrf_from(attacker.get("/login").text)
        codes = [_attempt(attacker, token, "target1", f"wrong password {i}") for i in range(SPRAY)]
        assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}  # checked 5 times, then only slowed
        resp = attacker.post("/login", data={"username": "target1", "password": PASSWORD, "csrf_token": token})
        assert resp.status_code == 429  # the right password from a stranger's browser waits too
        wait = int(re.search(r"Try again in (\d+) seconds", resp.text).group(1))
        assert 0 < wait <= ctx.settings.login_delay_max_seconds
        assert _attempt(attacker, token, "bystander1", PASSWORD) == 303  # other names: not slowed at all
    with _client(app, "198.51.100.20") as owner_again:  # the owner's browser: only its device cookie left
        owner_again.cookies.set("__Host-signaal_device", device)
        login(owner_again, "target1")
        assert owner_again.get("/queue").status_code == 200
    assert counters.peek(ctx, ACCOUNT, "target1", ctx.settings.login_window_seconds) is None  # cleared by success
    ctx.es.indices.refresh(index=ctx.alias("audit"))
    throttled = audit.browse(ctx, action="login_failed", target="target1", size=2000)["hits"]["hits"]
    record(
        "one_name",
        attempts=SPRAY,
        checked=codes.count(401),
        slowed=codes.count(429),
        other_names_ok=True,
        owner_device_signed_in=True,
        wait_seconds=wait,
    )
    assert sum(h["_source"]["outcome"] == "throttled" for h in throttled) == SPRAY - 5 + 1
    assert {h["_source"]["ip"] for h in throttled} == {"203.0.113.66"}


def test_delay_grows_then_ends(app):
    """The delay doubles per failure after the free ones and is over once it has passed."""
    ctx = app.state.ctx
    throttle = LoginThrottle(ctx)
    for _ in range(6):  # one past the free failures: a 60 s delay
        counters.hit(ctx, ACCOUNT, "other1", ctx.settings.login_window_seconds)
    assert throttle._delay_after(5) == 30 and throttle._delay_after(6) == 60 and throttle._delay_after(9) == 120
    assert 0 < throttle.check("other1", "192.0.2.1", None).wait_seconds <= 60
    doc_id = counters.counter_id(ACCOUNT, "other1")
    past = counters.now_ms() - 61_000  # the last failure was 61 s ago: its 60 s delay is over
    ctx.es.update(index=ctx.alias("throttle"), id=doc_id, doc={"last_at": past}, refresh=True)
    assert throttle.check("other1", "192.0.2.1", None).wait_seconds == 0


def test_counters_are_shared_between_workers(component_client, index_prefix, throttle_settings, app):
    """Two app instances (as two worker processes would) see each other's counts."""
    other_worker = create_app(component_client("ui"), index_prefix, throttle_settings, ensure_indices=False)
    for name in ("shared-a",):
        for _ in range(6):
            app.state.throttle.failed(name, "192.0.2.50", None)
    assert other_worker.state.throttle.check("shared-a", "192.0.2.51", None).wait_seconds > 0
    other_worker.state.pdf.close()


def test_wrong_codes_count_like_wrong_passwords(app):
    ctx = app.state.ctx
    with _client(app, "198.51.100.30") as client:
        token = csrf_from(client.get("/login").text)
        statuses = []
        for _ in range(6):
            if _attempt(client, token, "coder1", PASSWORD) != 303:
                statuses.append("password-refused")
                break
            form = client.get("/login/second-factor").text
            resp = client.post("/login/second-factor", data={"code": "000000", "csrf_token": csrf_from(form)})
            statuses.append(resp.status_code)
        assert statuses[:4] == [401] * 4 and 429 in statuses  # the fifth wrong code ends the login
    assert counters.peek(ctx, ACCOUNT, "coder1", ctx.settings.login_window_seconds).count >= 5


def test_memory_stays_bounded(app):
    """The throttle keeps no per-name or per-address state in the process; expired counters are purged."""
    ctx = app.state.ctx
    throttle = app.state.throttle
    before = set(vars(throttle))
    for i in range(50):
        throttle.failed(f"name{i}", f"192.0.2.{i}", None)
    assert set(vars(throttle)) == before == {"ctx", "settings", "_last_purge"}
    counters.hit(ctx, "scratch", "old", 0.001)
    ctx.es.update(
        index=ctx.alias("throttle"), id=counters.counter_id("scratch", "old"), doc={"expires_at": 1}, refresh=True
    )
    assert counters.purge_expired(ctx) >= 1
    ctx.es.indices.refresh(index=ctx.alias("throttle"))
    assert counters.peek(ctx, "scratch", "old", 3600) is None
