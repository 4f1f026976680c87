"""Elasticsearch stopped in the middle of a bulk load and restarted: re-running the load loses and duplicates nothing.

This test starts its own node (it has to stop it), on a free port with its own data directory.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.es_node.cluster import LocalCluster
from devtools.es_node.distribution import ensure_distribution
from indexing.indexer import IndexingError, index_ads
from indexing.synthetic import scored_ad
from signaal.es.mappings import apply_mappings
from signaal.paths import var_dir
from tests.helpers import DEADLINE_S, wait_until

pytestmark = [pytest.mark.es, pytest.mark.slow]

N_ADS = 2_000  # the gate, not the size, puts the stop mid-load
HALF = N_ADS // 2


@pytest.fixture
def own_node():
    parent = var_dir() / "test-es"
    parent.mkdir(parents=True, exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="restart-", dir=parent))
    base.chmod(0o755)
    node = LocalCluster(ensure_distribution(), base, heap="512m", cluster_name="restart", free_ports=True)
    try:
        node.start(timeout=DEADLINE_S)
        yield node
    finally:
        node.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_stop_mid_load_then_rerun_loses_and_duplicates_nothing(own_node):
    apply_mappings(own_node.client("admin"), "restart", kinds=["ads", "ad-versions"])
    # Generous request timeout: a busy machine must not look like a stopped node.
    es = own_node.client("indexer", request_timeout=DEADLINE_S, max_retries=1)
    ads = [scored_ad(n, site="restart") for n in range(N_ADS)]
    at_gate, node_stopped = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def gated() -> Iterator[dict]:
        """The ads, held back halfway until the node is down: the stop always lands mid-load."""
        yield from ads[:HALF]
        at_gate.set()
        node_stopped.wait()
        yield from ads[HALF:]

    def load() -> None:
        try:
            outcome["report"] = index_ads(es, gated(), prefix="restart", chunk_size=500, unreachable_wait=3)
        except IndexingError as exc:
            outcome["error"] = exc

    loader = threading.Thread(target=load, daemon=True)
    loader.start()
    try:
        wait_until(lambda: at_gate.is_set() or not loader.is_alive(), "the load to reach half way")
        assert at_gate.is_set(), f"the load ended before half way: {outcome}"
        es.indices.refresh(index="restart-ads")
        acknowledged = es.count(index="restart-ads")["count"]  # the loader waits at the gate: nothing in flight
        own_node.stop()
    finally:
        node_stopped.set()
    loader.join(DEADLINE_S)
    assert not loader.is_alive(), "the load did not give up on the stopped node"

    assert "error" in outcome, outcome
    partial = outcome["error"].report
    assert 0 < acknowledged <= HALF
    assert (partial.indexed, partial.created, partial.failed) == (acknowledged, acknowledged, 0)

    own_node.start(timeout=DEADLINE_S)
    es = own_node.client("indexer", request_timeout=DEADLINE_S)
    es.cluster.health(index="restart-ads", wait_for_status="green", timeout=f"{DEADLINE_S:.0f}s")
    before = es.count(index="restart-ads")["count"]
    assert before == acknowledged  # everything acknowledged before the stop survived it, and nothing else was written

    rerun = index_ads(es, ads, prefix="restart", chunk_size=1000, refresh=True)

    assert (rerun.created, rerun.unchanged, rerun.updated, rerun.failed) == (N_ADS - before, before, 0, 0)
    assert es.count(index="restart-ads")["count"] == N_ADS
    assert es.count(index="restart-ad-versions")["count"] == 0
    versions = es.search(index="restart-ads", size=0, aggs={"v": {"terms": {"field": "crawl.version"}}})[
        "aggregations"
    ]["v"]["buckets"]
    assert versions == [{"key": 1, "doc_count": N_ADS}]
