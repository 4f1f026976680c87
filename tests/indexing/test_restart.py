"""Elasticsearch stopped in the middle of a bulk load and restarted: re-running the load loses and duplicates nothing.

This test starts its own node (it has to stop it), on a free port with its own data directory.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest

from devtools.es_node.cluster import LocalCluster
from devtools.es_node.distribution import ensure_distribution
from indexing.indexer import IndexingError, index_ads
from indexing.synthetic import scored_ad
from signaal.es.mappings import apply_mappings
from signaal.paths import var_dir

pytestmark = [pytest.mark.es, pytest.mark.slow]

N_ADS = 10_000


@pytest.fixture
def own_node():
    parent = var_dir() / "test-es"
    parent.mkdir(parents=True, exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="restart-", dir=parent))
    base.chmod(0o755)
    node = LocalCluster(ensure_distribution(), base, heap="512m", cluster_name="restart", free_ports=True)
    node.start()
    yield node
    node.stop()
    shutil.rmtree(base, ignore_errors=True)


def test_stop_mid_load_then_rerun_loses_and_duplicates_nothing(own_node):
    apply_mappings(own_node.client("admin"), "restart", kinds=["ads", "ad-versions"])
    es = own_node.client("indexer", request_timeout=10, max_retries=1)
    ads = [scored_ad(n, site="restart") for n in range(N_ADS)]
    outcome: dict[str, object] = {}

    def load() -> None:
        try:
            outcome["report"] = index_ads(es, ads, prefix="restart", chunk_size=500, unreachable_wait=3)
        except IndexingError as exc:
            outcome["error"] = exc

    loader = threading.Thread(target=load)
    loader.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        es.indices.refresh(index="restart-ads")
        if es.count(index="restart-ads")["count"] >= 1_000:
            break
        time.sleep(0.2)
    own_node.stop()
    loader.join(timeout=120)

    assert "error" in outcome, "the load finished before the node was stopped; nothing was tested"
    partial = outcome["error"].report
    assert 0 < partial.indexed < N_ADS

    own_node.start()
    es = own_node.client("indexer")
    es.cluster.health(index="restart-ads", wait_for_status="green", timeout="60s")
    before = es.count(index="restart-ads")["count"]
    assert before >= partial.indexed  # everything acknowledged before the stop survived it

    rerun = index_ads(es, ads, prefix="restart", chunk_size=1000, refresh=True)

    assert rerun.failed == 0
    assert rerun.created + rerun.unchanged == N_ADS
    assert rerun.updated == 0
    assert rerun.unchanged == before
    assert es.count(index="restart-ads")["count"] == N_ADS
    assert es.count(index="restart-ad-versions")["count"] == 0
    versions = es.search(index="restart-ads", size=0, aggs={"v": {"terms": {"field": "crawl.version"}}})[
        "aggregations"
    ]["v"]["buckets"]
    assert versions == [{"key": 1, "doc_count": N_ADS}]
