"""A Scrapyd node dies mid-crawl (the node and its crawl killed with SIGKILL, as a failing machine would):
`signaal schedule` starts the site on the other node, which resumes from the shared crawl state, and every ad
of the fixture site ends up indexed exactly once with its version intact. A drained node (SIGTERM) stops its
crawl resumably, and the site finishes on the other node the same way."""

from __future__ import annotations

import orjson
import pytest

from crawler.runstatus import read_json, status_path
from devtools.fixture_sites import start_sites
from signaal.settings import alias
from tests.helpers import DEADLINE_S

pytestmark = [pytest.mark.slow, pytest.mark.es]
# One request at a time with a delay, so the node goes down in the middle of the crawl.
SLOW = ["--no-search", "--set", "CONCURRENT_REQUESTS=1", "--set", "DOWNLOAD_DELAY=0.1"]
SLOW += ["--set", "AUTOTHROTTLE_ENABLED=False", "--set", "SIGNAAL_STATUS_INTERVAL=0.5"]


def test_site_resumes_on_another_node_when_its_node_dies(es, index_prefix, fleet, site_ids):
    with start_sites(seed=8, n_ads=150) as sites:
        fleet.site_urls = {"prikbord": sites.prikbord_url}
        expected = site_ids(sites.corpus, "prikbord")
        first = fleet.signaal("schedule", "prikbord", *SLOW)
        assert first.returncode == 0, first.stdout + first.stderr
        running = fleet.wait_for_crawl("prikbord", lambda s: s.get("ads", 0) >= 10, "10 ads")
        doomed = next(n for n in fleet.nodes if n.node_id == running["node"])
        doomed.kill()
        lost = fleet.status()["prikbord"]
        assert lost["state"] == "failed (node unreachable)", lost

        resumed = fleet.schedule_and_wait("prikbord", *SLOW)
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr[-3000:]
        restart = [line.split("\t") for line in resumed.stdout.splitlines() if "\tstart\t" in line]
        assert len(restart) == 1 and restart[0][2] != doomed.url, resumed.stdout
        assert "unreachable: resuming elsewhere" in restart[0][-1]

    final = fleet.status()["prikbord"]
    assert final["state"] == "finished" and final["node"] != doomed.url
    run = read_json(status_path(fleet.root / "crawl-state", "prikbord"))["run"]
    assert run["resumed"] and run["finished"], "the second node resumed the run the dead node had started"
    ads = alias("ads", index_prefix)
    es.indices.refresh(index=[ads, alias("ad-versions", index_prefix)])
    hits = es.search(index=ads, size=1000, query={"term": {"site": "prikbord"}}, source=["crawl.version"])
    docs = hits["hits"]["hits"]
    assert {h["_id"] for h in docs} == expected, "an ad was lost"
    assert len(docs) == len(expected) == hits["hits"]["total"]["value"], "an ad was indexed twice"
    assert all(h["_source"]["crawl"]["version"] == 1 for h in docs), "a re-fetched ad got a new version"
    assert es.count(index=alias("ad-versions", index_prefix))["count"] == 0, "a spurious earlier version was kept"
    # Nothing was left behind in the shared spool, and the WARC file the dead crawl left open was sealed.
    assert not list((fleet.root / "spool").glob("prikbord-*.jsonl"))
    verified = fleet.signaal("evidence", "verify")
    assert verified.returncode == 0, verified.stdout[-2000:]


def test_a_drained_node_stops_its_crawl_resumably_and_the_site_finishes_elsewhere(fleet, site_ids):
    with start_sites(seed=12, n_ads=120) as sites:
        fleet.site_urls = {"prikbord": sites.prikbord_url}
        expected = site_ids(sites.corpus, "prikbord")
        out = ["--set", "SIGNAAL_INDEX=False", "--set", f"SIGNAAL_OUT={fleet.root / 'out.jsonl'}"]
        assert fleet.signaal("schedule", "prikbord", *SLOW, *out).returncode == 0
        running = fleet.wait_for_crawl("prikbord", lambda s: s.get("ads", 0) >= 10, "10 ads")
        drained = next(n for n in fleet.nodes if n.node_id == running["node"])
        assert drained.stop(timeout=DEADLINE_S), "SIGTERM: the node and its crawl shut down"
        stopped = fleet.status()["prikbord"]
        assert stopped["state"] == "stopped (resumable), node unreachable", stopped
        assert 10 <= stopped["ads"] < len(expected)

        resumed = fleet.schedule_and_wait("prikbord", *SLOW, *out)
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr[-3000:]
    rows = [line for line in (fleet.root / "out.jsonl").read_text().splitlines() if line.strip()]
    ids = [orjson.loads(line)["id"] for line in rows]
    assert sorted(ids) == sorted(expected), "every ad written once across the two nodes, none lost"
