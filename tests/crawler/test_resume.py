"""kill -9 in the middle of a crawl, then a re-run: nothing lost, nothing duplicated."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from devtools.fixture_sites import start_sites

pytestmark = pytest.mark.slow


def test_kill_9_then_resume_loses_and_duplicates_nothing(workspace, site_ids):
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
        proc = subprocess.Popen(args, env=workspace.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while len(workspace.rows()) < 25 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the crawl finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
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
    assert verified.stdout.count("OK\t") >= 2
