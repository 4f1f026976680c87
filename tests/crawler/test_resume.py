"""kill -9 in the middle of a crawl, then a re-run: nothing lost, nothing duplicated."""

from __future__ import annotations

import signal

import pytest

from devtools.fixture_sites import start_sites
from tests.helpers import spawn, wait_until

pytestmark = pytest.mark.slow


def test_kill_9_then_resume_loses_and_duplicates_nothing(workspace, site_ids, tmp_path):
    with start_sites(seed=5, n_ads=240) as sites:
        # Slow the crawl down (2 parallel requests) so the kill lands in the middle.
        args = workspace.args(
            "prikbord",
            sites.prikbord_url,
            "--no-score",
            "--no-search",
            "--set",
            "CONCURRENT_REQUESTS=2",
            "--set",
            "AUTOTHROTTLE_ENABLED=false",
        )
        # The sites are served by this process, so a busy machine slows the crawl and this wait alike: the
        # crawl cannot fetch its remaining ~200 pages and photos between two looks at the file.
        with spawn(args, tmp_path / "killed", env=workspace.env) as crawl:
            wait_until(lambda: len(workspace.rows()) >= 25, "25 ads written", process=crawl.proc)
            crawl.proc.send_signal(signal.SIGKILL)
            crawl.wait()
        before = len(workspace.rows())
        expected = site_ids(sites.corpus, "prikbord")
        assert 0 < before < len(expected)

        resumed = workspace.crawl("prikbord", sites.prikbord_url, "--no-score", "--no-search")
        assert resumed.code == 0, resumed.stderr[-2000:]
        assert resumed.summary["resumed"] and resumed.summary["finished"]

    ids = [row["id"] for row in workspace.rows()]
    assert len(ids) == len(set(ids)), "an ad was written twice"
    assert set(ids) == expected, "an ad was lost"
    assert all(row["crawl"]["version"] == 1 for row in workspace.rows())
    # The WARC file the killed crawl left open was recovered and sealed; all evidence verifies.
    verified = workspace.signaal("evidence", "verify")
    assert verified.returncode == 0, verified.stdout
    assert verified.stdout.count("OK\t") == 2 and "2 of 2 file(s) verified" in verified.stdout  # killed + resumed
