"""`signaal es up --nodes 3`: a real three-node cluster on loopback that loses a node and keeps answering.

Three nodes on 127.0.0.1-3 (512 MiB heap each), security on, TLS on HTTP and between
the nodes, started through the CLI exactly as a user would, in a throw-away var/.
One node is killed (SIGKILL) while a writer indexes batches as the crawler does: the
cluster turns yellow, searches and the writer's batches still succeed through the
client's node list, the node is started again, rejoins and the cluster is green with
every acknowledged document. Every wait is on an event (health,
node count, an accepted password) under one generous deadline.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import ApiError, AuthenticationException, ConnectionError
from typer.testing import CliRunner

from devtools.es_node.cluster import LocalCluster
from devtools.es_node.distribution import ensure_distribution
from devtools.es_node.node import free_port, port_in_use
from indexing.indexer import index_ads
from indexing.synthetic import scored_ad
from signaal.cli import app
from signaal.es.client import get_client
from signaal.es.credentials import read_credentials
from signaal.es.mappings import apply_mappings
from signaal.paths import var_dir
from signaal.settings import get_settings
from tests.helpers import DEADLINE_S, wait_until

pytestmark = [pytest.mark.es, pytest.mark.slow]

NODES = 3
PREFIX = "clustertest"


def _shared_free_port() -> int:
    """An HTTP port free on all three addresses, with its transport port (+100) free too."""
    for _ in range(50):
        port = free_port()
        if port + 100 < 65536 and not any(
            port_in_use(p, LocalCluster.host(i)) for i in range(1, NODES + 1) for p in (port, port + 100)
        ):
            return port
    raise RuntimeError("no port free on every loopback address")


def _health(client) -> dict | None:
    try:
        return client.cluster.health().body
    except (ApiError, ConnectionError):
        return None


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    parent = var_dir() / "test-es"
    parent.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="cluster3-", dir=parent))
    root.chmod(0o755)
    port = _shared_free_port()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SIGNAAL_VAR_DIR", str(root / "var"))  # `signaal es up` provisions under this var/
        for name in ("SIGNAAL_ES_URL", "SIGNAAL_ES_CREDENTIALS_DIR", "SIGNAAL_ES_CA_CERTS"):
            mp.delenv(name, raising=False)
        get_settings.cache_clear()
        home = ensure_distribution()  # unpacked from the download cache into this var/
        handle = LocalCluster.recorded(home, root / "var" / "es", nodes=NODES, port=port, heap="512m", http_tls=True)
        try:
            up = ["es", "up", "--nodes", "3", "--port", str(port), "--heap", "512m", "--tls"]
            result = CliRunner().invoke(app, [*up, "--timeout", f"{DEADLINE_S:.0f}"])
            assert result.exit_code == 0, result.output
            assert "(3 node(s), heap 512m each, security on, TLS on HTTP on)" in result.stdout
            yield handle
        finally:
            CliRunner().invoke(app, ["es", "down"])
            handle.stop()
            get_settings.cache_clear()
    shutil.rmtree(root, ignore_errors=True)


def test_three_nodes_form_one_cluster_over_tls_and_status_says_so(cluster):
    assert [m.url for m in cluster.members] == [f"https://127.0.0.{i}:{cluster.port}" for i in range(1, 4)]
    admin = cluster.client("admin")
    health = admin.cluster.health()
    assert health["number_of_nodes"] == 3 and health["status"] == "green"
    settings = admin.nodes.info(filter_path="nodes.*.settings.xpack.security").body["nodes"]
    for node in settings.values():
        tls = node["settings"]["xpack"]["security"]
        assert tls["http"]["ssl"]["enabled"] == "true" and tls["transport"]["ssl"]["enabled"] == "true"
    status = CliRunner().invoke(app, ["es", "status"])  # reads var/es/connection.json: hosts and CA
    assert status.exit_code == 0, status.output
    assert "nodes: 3 (signaal-1 127.0.0.1" in status.stdout and "signaal-3 127.0.0.3" in status.stdout
    assert "security: on, connected as signaal_admin" in status.stdout
    assert "shards: " in status.stdout and " 0 unassigned" in status.stdout


class Writer(threading.Thread):
    """Indexes batches of new ads as the crawler would, until told to stop; counts what was acknowledged."""

    def __init__(self, client, first: int, batch: int = 50) -> None:
        super().__init__(daemon=True)
        self.client, self.next, self.batch = client, first, batch
        self.acknowledged = 0
        self.failed = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            ads = [scored_ad(n, site="c3") for n in range(self.next, self.next + self.batch)]
            report = index_ads(self.client, ads, prefix=PREFIX, unreachable_wait=DEADLINE_S)
            self.acknowledged += report.created
            self.failed += report.failed
            self.next += self.batch


def test_a_killed_node_turns_the_cluster_yellow_writes_and_searches_go_on_and_it_comes_back_green(cluster):
    admin, indexer, reader = cluster.client("admin"), cluster.client("indexer"), cluster.client("kibana")
    apply_mappings(admin, PREFIX)
    ads_index = next(iter(admin.indices.get_alias(name=f"{PREFIX}-ads").body))
    settings = admin.indices.get_settings(index=ads_index).body[ads_index]["settings"]["index"]
    assert (settings["number_of_shards"], settings["number_of_replicas"]) == ("3", "1")  # sized for 3 nodes
    first = index_ads(indexer, [scored_ad(n, site="c3") for n in range(300)], prefix=PREFIX, refresh=True)
    assert first.created == 300 and first.failed == 0
    admin.cluster.health(index=ads_index, wait_for_status="green", timeout=f"{DEADLINE_S:.0f}s")
    holders = {row["node"] for row in admin.cat.shards(index=ads_index, format="json")}
    assert holders == {"signaal-1", "signaal-2", "signaal-3"}  # writes and reads reach every node

    writer = Writer(indexer, first=300)
    writer.start()
    try:
        wait_until(lambda: writer.acknowledged >= 100, "the writer's first batches")
        assert writer.is_alive()
        cluster.members[1].kill()  # SIGKILL while the writer is busy
        wait_until(
            lambda: (h := _health(admin)) is not None and h["number_of_nodes"] == 2 and h["status"] == "yellow",
            "the cluster noticing the lost node",
        )
        for _ in range(6):  # the client's node list still names the dead node: every search must answer in full
            result = reader.search(index=f"{PREFIX}-ads", size=0, track_total_hits=True)
            assert result["_shards"]["failed"] == 0 and result["hits"]["total"]["value"] >= 300
        written_when_yellow = writer.acknowledged
        wait_until(lambda: writer.acknowledged >= written_when_yellow + 100, "more batches acknowledged while yellow")
    finally:
        writer.stop.set()
        writer.join(timeout=DEADLINE_S)
    assert not writer.is_alive() and writer.failed == 0

    cluster.start_node(1, timeout=DEADLINE_S)
    wait_until(
        lambda: (h := _health(admin)) is not None and h["number_of_nodes"] == 3 and h["status"] == "green",
        "the node rejoining and every shard copy being assigned",
    )
    admin.indices.refresh(index=f"{PREFIX}-ads")
    assert reader.count(index=f"{PREFIX}-ads")["count"] == 300 + writer.acknowledged  # no acknowledged ad lost


def test_rotated_password_replaces_the_old_one_on_every_node(cluster):
    before = read_credentials(cluster.credentials_dir, "kibana")
    outcomes = cluster.rotate(("kibana",))
    assert outcomes.pop("kibana") == "rotated" and set(outcomes.values()) == {"kept"}
    after = read_credentials(cluster.credentials_dir, "kibana")
    assert after.username == before.username and after.password != before.password

    def accepts(url: str, credentials) -> bool:
        client = get_client(url, component="kibana", credentials=credentials, ca_certs=cluster.ca_certs, max_retries=0)
        try:
            client.cluster.health()
        except AuthenticationException:
            return False
        finally:
            client.close()
        return True

    for node in cluster.members:  # each node reloads its own copy of the realm files
        wait_until(
            lambda url=node.url: accepts(url, after) and not accepts(url, before),
            f"{node.node_name} taking the new password and refusing the old one",
        )
