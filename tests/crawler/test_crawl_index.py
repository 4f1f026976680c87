"""Crawl into a real Elasticsearch; with Elasticsearch down nothing is lost (spooled, replayed later)."""

from __future__ import annotations

import pytest

from signaal.demo_sites import start_sites

pytestmark = [pytest.mark.slow, pytest.mark.es]


def test_es_down_spools_then_replays_into_the_index(workspace, es, index_prefix, site_ids, monkeypatch):
    with start_sites(seed=9, n_ads=60) as sites:
        expected = site_ids(sites.corpus, "prikbord")
        env = workspace.env
        monkeypatch.setenv("SIGNAAL_ES_URL", "http://127.0.0.1:9")  # nothing listens there
        down = workspace.crawl(
            "prikbord",
            sites.prikbord_url,
            "--no-score",
            "--no-search",
            "--set",
            "SIGNAAL_INDEX_UNREACHABLE_S=1",
            index=True,
        )
        assert down.code == 0, down.stderr[-2000:]
        assert down.summary["spool_files_left"] >= 1 and down.summary["indexed"] == 0
        monkeypatch.setenv("SIGNAAL_ES_URL", env["SIGNAAL_ES_URL"])
        # This time with analyze+score, the full pipeline order: evidence -> normalise -> score -> index.
        up = workspace.crawl("prikbord", sites.prikbord_url, "--no-search", index=True)
        assert up.code == 0, up.stderr[-2000:]
        assert up.summary["spool_files_left"] == 0
    es.indices.refresh(index=f"{index_prefix}-ads")
    hits = es.search(index=f"{index_prefix}-ads", size=1000, query={"term": {"site": "prikbord"}})["hits"]
    assert {h["_id"] for h in hits["hits"]} == expected
    scored = [h["_source"] for h in hits["hits"] if "risk" in h["_source"]]
    assert len(scored) == len(expected), "every ad of the second crawl was scored before indexing"
    assert all("indicators" in doc and doc["evidence"]["sha256"] for doc in scored)
    assert not list((workspace.root / "spool").glob("*.jsonl"))
