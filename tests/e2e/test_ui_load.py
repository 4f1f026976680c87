"""Fault test: the triage UI under 20 concurrent signed-in users for 60 seconds, no errors.

Real parts only: ``signaal ui`` as its own process on loopback, the session's real
Elasticsearch with 2,000 indexed ads, 20 httpx clients that each log in and then
alternate queue and ad pages until the time is up. Every response must be a 200;
latency targets live in bench/bench_ui.py, not here.
"""

from __future__ import annotations

import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import uuid

import httpx
import pytest

pytestmark = [pytest.mark.es, pytest.mark.slow]

USERS = 20
SECONDS = 60.0
PASSWORD = "load-test-password-" + uuid.uuid4().hex[:8]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_ui(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "SIGNAAL_UI_ENVIRONMENT": "test",
        "SIGNAAL_UI_SECRET_KEY": uuid.uuid4().hex * 2,
        "SIGNAAL_UI_COOKIE_SECURE": "false",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "signaal", "ui", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("signaal ui did not start within 60 s")


def _signed_in(base: str, user: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    resp = client.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code in (200, 303), resp.status_code
    return client


def test_twenty_users_for_a_minute_get_no_errors(es, fresh_index_prefix):
    from signaal.indexing import index_ads
    from signaal.indexing.synthetic import scored_ad
    from triage_ui.config import UISettings
    from triage_ui.context import UIContext
    from triage_ui.store.indices import ensure_ui_indices
    from triage_ui.store.users import add_user

    index_ads(es, (scored_ad(i, site="loadsite") for i in range(2000)), refresh=True)
    ad_ids = [h["_id"] for h in es.search(index=f"{fresh_index_prefix}-ads", size=500, source=False)["hits"]["hits"]]
    ensure_ui_indices(es, fresh_index_prefix)
    ctx = UIContext(es, fresh_index_prefix, UISettings(environment="test"))
    for i in range(USERS):
        add_user(ctx, f"load{i}", "analyst", PASSWORD)

    port = _free_port()
    proc = _start_ui(port)
    try:
        clients = [_signed_in(f"http://127.0.0.1:{port}", f"load{i}") for i in range(USERS)]
        errors: list[str] = []
        counts = [0] * USERS
        stop = time.monotonic() + SECONDS

        def user(i: int) -> None:
            rng = random.Random(i)
            while time.monotonic() < stop:
                for url in ("/queue", f"/ads/{rng.choice(ad_ids)}"):
                    try:
                        status = clients[i].get(url).status_code
                    except httpx.HTTPError as exc:
                        errors.append(f"{url}: {exc!r}")
                        continue
                    counts[i] += 1
                    if status != 200:
                        errors.append(f"{url}: HTTP {status}")
                time.sleep(rng.uniform(0.1, 0.3))

        threads = [threading.Thread(target=user, args=(i,)) for i in range(USERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors[:10]
        assert all(count > 10 for count in counts), counts
        assert proc.poll() is None, "the UI process died under load"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
