"""The memory guard stops a crawl cleanly when crawler + children exceed the limit; a re-run resumes it."""

from __future__ import annotations

import pytest

from devtools.fixture_sites import start_sites

pytestmark = pytest.mark.slow


def test_memory_limit_stops_the_crawl_resumably(workspace, site_ids):
    with start_sites(seed=9, n_ads=120) as sites:
        # Any crawler process is larger than 40 MiB, so the first check (at spider open) trips the guard.
        stopped = workspace.crawl(
            "prikbord", sites.prikbord_url, "--no-score", "--no-search", "--set", "SIGNAAL_MEMORY_LIMIT_MB=40"
        )
        assert stopped.code == 3, stopped.stderr[-2000:]
        assert not stopped.summary["finished"]
        assert stopped.summary["finish_reason"] == "signaal_memory_limit"
        assert stopped.summary["memory_peak_mb"] > 40
        assert "exceeds 40 MiB: stopping, re-run to resume" in stopped.stderr
        expected = site_ids(sites.corpus, "prikbord")
        assert len(workspace.rows()) < len(expected)

        resumed = workspace.crawl("prikbord", sites.prikbord_url, "--no-score", "--no-search")
        assert resumed.code == 0, resumed.stderr[-2000:]
        assert resumed.summary["finished"] and resumed.summary["memory_peak_mb"] < 1024

    ids = [row["id"] for row in workspace.rows()]
    assert len(ids) == len(set(ids)), "an ad was written twice"
    assert set(ids) == expected, "an ad was lost"
