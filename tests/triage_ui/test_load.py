"""Fault test: the triage UI under 20 concurrent signed-in users, no errors.

Real parts only: ``signaal ui`` as its own process on loopback (production settings, TLS), the session's real
Elasticsearch with 2,000 indexed ads, 20 httpx clients that each log in and then
alternate queue and ad pages for a fixed number of rounds. Every response must be a
200; how fast is the business of bench/bench_ui.py, not of this test, so a busy
machine makes it longer but never makes it fail.
"""

from __future__ import annotations

import random
import signal
import threading
import uuid

import httpx
import pytest

from devtools.es_node.node import free_port
from indexing.indexer import index_ads
from indexing.synthetic import scored_ad
from tests.helpers import DEADLINE_S, stop
from triage_ui.config import UISettings
from triage_ui.context import UIContext
from triage_ui.launch import add_enrolled_user, signed_in_client, start_ui_process
from triage_ui.store.indices import ensure_ui_indices

pytestmark = [pytest.mark.es, pytest.mark.slow]

USERS = 20
ROUNDS = 10  # per user: one queue page and one ad page each
PASSWORD = "load-test-password-" + uuid.uuid4().hex[:8]


def test_twenty_concurrent_users_get_no_errors(es, fresh_index_prefix):
    index_ads(es, (scored_ad(i, site="loadsite") for i in range(2000)), refresh=True)
    ad_ids = [h["_id"] for h in es.search(index=f"{fresh_index_prefix}-ads", size=500, source=False)["hits"]["hits"]]
    ensure_ui_indices(es, fresh_index_prefix)
    ui = start_ui_process(free_port(), timeout=DEADLINE_S)
    clients: list[httpx.Client] = []
    try:
        ctx = UIContext(es, fresh_index_prefix, UISettings(secret_key=ui.secret))
        seeds = [add_enrolled_user(ctx, f"load{i}", "analyst", PASSWORD) for i in range(USERS)]
        clients += [signed_in_client(ui, f"load{i}", PASSWORD, seeds[i]) for i in range(USERS)]
        errors: list[str] = []
        counts = [0] * USERS
        start = threading.Barrier(USERS)  # all users at once: the point is concurrency

        def user(i: int) -> None:
            rng = random.Random(i)
            start.wait()
            for _ in range(ROUNDS):
                for url in ("/queue", f"/ads/{rng.choice(ad_ids)}"):
                    try:
                        status = clients[i].get(url).status_code
                    except httpx.HTTPError as exc:
                        errors.append(f"{url}: {exc!r}")
                        continue
                    counts[i] += 1
                    if status != 200:
                        errors.append(f"{url}: HTTP {status}")

        threads = [threading.Thread(target=user, args=(i,)) for i in range(USERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors[:10]
        assert counts == [2 * ROUNDS] * USERS
        assert ui.proc.poll() is None, "the UI process died under load"
        for client in clients:
            client.close()
        # uvicorn shuts down gracefully, then re-raises the signal it caught: -SIGTERM is a clean exit
        assert stop(ui.proc) in (0, -signal.SIGTERM), "the UI did not stop on SIGTERM"
    finally:
        for client in clients:
            client.close()
        ui.stop()
