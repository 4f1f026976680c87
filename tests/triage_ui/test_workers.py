"""``signaal ui --workers 2`` as real processes (production settings, TLS on loopback).

Sessions, login counters and users live in Elasticsearch, so a signed-in user is served by
either worker, both workers count the same failures, and when one worker is killed the other
keeps serving the same signed-in users (issue 17, section 5).
"""

from __future__ import annotations

import signal

import httpx
import psutil
import pytest

from devtools.es_node.node import free_port
from tests.helpers import DEADLINE_S
from tests.triage_ui import fixture_ads
from tests.triage_ui.conftest import FAST_ARGON2, settings_for_tests
from tests.triage_ui.helpers import PASSWORD
from triage_ui.context import UIContext
from triage_ui.launch import add_enrolled_user, csrf_token, sign_in, start_ui_process
from triage_ui.store import audit
from triage_ui.store.indices import ensure_ui_indices

pytestmark = [pytest.mark.es, pytest.mark.slow]
MAX_REQUESTS = 200  # bound on the loop that waits until both workers have served the session


def _workers_seen(ctx: UIContext, user: str) -> set[str]:
    ctx.es.indices.refresh(index=ctx.alias("audit"))
    hits = audit.browse(ctx, user=user, action="view", size=1000)["hits"]["hits"]
    return {h["_source"]["worker"] for h in hits}


def _get(ui, cookies, path: str) -> httpx.Response:
    """One request on a new connection (the kernel hands each new connection to either worker)."""
    with ui.client(cookies=cookies) as client:
        return client.get(path)


def test_two_workers_share_state_and_one_survives_the_other(es, fresh_index_prefix):
    prefix = fresh_index_prefix
    ensure_ui_indices(es, prefix)
    fixture_ads.load(es, prefix, fixture_ads.make_ads())
    env = {
        "SIGNAAL_INDEX_PREFIX": prefix,
        "SIGNAAL_UI_TRUSTED_PROXIES": "127.0.0.1",
        **{f"SIGNAAL_UI_{key.upper()}": str(value) for key, value in FAST_ARGON2.items()},
    }
    ui = start_ui_process(free_port(), env, workers=2, timeout=DEADLINE_S)
    try:
        ctx = UIContext(es, prefix, settings_for_tests(secret_key=ui.secret))
        seed = add_enrolled_user(ctx, "worker-user", "analyst", PASSWORD)
        add_enrolled_user(ctx, "worker-target", "analyst", PASSWORD)
        with ui.client() as client:
            sign_in(client, "worker-user", PASSWORD, seed)
            cookies = dict(client.cookies)
        for _ in range(MAX_REQUESTS):
            assert _get(ui, cookies, "/queue").status_code == 200
            if len(_workers_seen(ctx, "worker-user")) == 2:
                break
        assert len(_workers_seen(ctx, "worker-user")) == 2, "one session, served by both workers"

        # both workers count the same failures: past the free ones the account waits, on any worker
        statuses = []
        for i in range(8):
            with ui.client() as attacker:
                token = csrf_token(attacker.get("/login").text)
                data = {"username": "worker-target", "password": f"wrong {i}", "csrf_token": token}
                statuses.append(attacker.post("/login", data=data).status_code)
        assert statuses[:5] == [401] * 5 and statuses[5:] == [429] * 3

        # X-Forwarded-For is believed from the trusted proxy (127.0.0.1 here)
        with ui.client(cookies=cookies, headers={"X-Forwarded-For": "198.51.100.77"}) as proxied:
            request_id = proxied.get("/dashboards").headers["x-request-id"]
        ctx.es.indices.refresh(index=ctx.alias("audit"))
        [entry] = [
            h["_source"]
            for h in audit.browse(ctx, user="worker-user")["hits"]["hits"]
            if h["_source"]["request_id"] == request_id
        ]
        assert entry["ip"] == "198.51.100.77"

        # kill one worker: the other keeps serving the signed-in user
        children = psutil.Process(ui.proc.pid).children(recursive=False)
        workers = [c for c in children if "spawn_main" in " ".join(c.cmdline())]  # not the resource tracker
        assert len(workers) == 2
        victim = workers[0]
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=DEADLINE_S)
        statuses = [_get(ui, cookies, path).status_code for path in ("/queue", "/ads/prikbord:1003") * 15]
        assert statuses == [200] * 30
        with ui.client(cookies=cookies) as client:  # and state changes still work (CSRF, decisions)
            page = client.get("/account")
            assert client.post("/logout", data={"csrf_token": csrf_token(page.text)}).status_code == 303
        assert _get(ui, cookies, "/queue").status_code == 303  # signed out on every worker
        assert ui.proc.poll() is None
    finally:
        ui.stop()
