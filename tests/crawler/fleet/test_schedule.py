"""`signaal schedule` on two real Scrapyd nodes: both fixture sites crawled into Elasticsearch, one node each,
a running site never started twice, and `--status` per node and site."""

from __future__ import annotations

import pytest

from crawler.fleet.egg import PROJECT
from crawler.fleet.nodes import Node
from devtools.fixture_sites import start_sites
from signaal.settings import alias

pytestmark = [pytest.mark.slow, pytest.mark.es]


def _indexed_ids(es, prefix: str, site: str) -> set[str]:
    es.indices.refresh(index=alias("ads", prefix))
    hits = es.search(index=alias("ads", prefix), size=1000, query={"term": {"site": site}}, source=False)
    return {h["_id"] for h in hits["hits"]["hits"]}


def test_two_sites_on_two_nodes_into_elasticsearch(es, index_prefix, fleet, site_ids):
    with start_sites(seed=4, n_ads=60) as sites:
        fleet.site_urls = {"prikbord": sites.prikbord_url, "vitrine-api": sites.vitrine_url}
        run = fleet.schedule_and_wait("prikbord", "vitrine-api", "--no-search")
        assert run.returncode == 0, run.stdout + run.stderr[-3000:]
        started = [line.split("\t") for line in run.stdout.splitlines() if "\tstart\t" in line]
        # one site per node: the second site goes to the node that has no job yet
        assert {row[0] for row in started} == {"prikbord", "vitrine-api"}
        assert len({row[2] for row in started}) == 2, run.stdout
        prikbord = site_ids(sites.corpus, "prikbord")
        vitrine = {f"vitrine-api:{ad['site_ad_id']}" for ad in sites.corpus.site_ads("vitrine")}

    assert _indexed_ids(es, index_prefix, "prikbord") == prikbord
    assert _indexed_ids(es, index_prefix, "vitrine-api") == vitrine
    status = fleet.status()
    for site, expected in (("prikbord", prikbord), ("vitrine-api", vitrine)):
        row = status[site]
        assert row["state"] == "finished" and row["ads"] == len(expected), row
        assert row["pages_per_s"] > 0 and row["last_error"] is None
    table = fleet.signaal("schedule", "--status")
    assert table.returncode == 0 and "finished" in table.stdout and fleet.nodes[0].url in table.stdout
    # Crawl state, evidence and spool live on the shared storage, not in a node's directory.
    assert (fleet.root / "crawl-state" / "prikbord.sqlite").is_file()
    assert not list((fleet.root / "spool").glob("*.jsonl"))
    verified = fleet.signaal("evidence", "verify")
    assert verified.returncode == 0, verified.stdout[-2000:]


def test_a_running_site_is_never_started_twice(fleet):
    with start_sites(seed=6, n_ads=60) as sites:
        fleet.site_urls = {"prikbord": sites.prikbord_url}
        slow = [
            "--no-search",
            "--set",
            "CONCURRENT_REQUESTS=1",
            "--set",
            "DOWNLOAD_DELAY=0.1",
            "--set",
            "SIGNAAL_INDEX=False",
        ]
        first = fleet.signaal("schedule", "prikbord", *slow)
        assert first.returncode == 0 and "\tstart\t" in first.stdout, first.stdout + first.stderr
        fleet.wait_for_crawl("prikbord", lambda s: s.get("state") == "running", "the crawl to hold its lease")
        again = fleet.signaal("schedule", "prikbord", *slow)
        assert again.returncode == 0, again.stderr
        assert "prikbord\tbusy\t" in again.stdout and "running on node-" in again.stdout, again.stdout
        # asked to crawl the site again while it runs: nothing new was queued on any node
        jobs = [Node(n.url).project_jobs(PROJECT) for n in fleet.nodes]
        assert sum(len(j[state]) for j in jobs for state in ("pending", "running", "finished")) == 1, jobs
        done = fleet.schedule_and_wait("prikbord", "--no-search")
        assert done.returncode == 0, done.stdout + done.stderr[-2000:]
        assert "\tstart\t" not in done.stdout, "the running site was started a second time"
    assert fleet.status()["prikbord"]["state"] == "finished"
