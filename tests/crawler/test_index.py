"""Crawl into a real Elasticsearch; with Elasticsearch down nothing is lost (spooled, replayed later)."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace

import pytest
from scrapy.settings import Settings
from scrapy.statscollectors import StatsCollector

from crawler.pipelines.index import ElasticsearchPipeline
from devtools.es_node.node import free_port
from devtools.fixture_sites import start_sites
from indexing.synthetic import scored_ad
from signaal.es.client import get_client

pytestmark = pytest.mark.es


@pytest.mark.slow
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
        assert down.summary["indexed"] == 0
        spool_files = (workspace.root / "spool").glob("prikbord-*.jsonl")
        spooled = [line for path in spool_files for line in path.read_bytes().splitlines()]
        assert down.summary["spool_files_left"] > 0 and len(spooled) == len(expected)  # every ad kept for later
        monkeypatch.setenv("SIGNAAL_ES_URL", env["SIGNAAL_ES_URL"])
        # This time with analyze+score, the full pipeline order: evidence -> normalize -> score -> index.
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


def test_a_batch_gives_up_after_signaal_index_unreachable_s_not_the_indexers_default(
    es, index_prefix, tmp_path, caplog
):
    """The cluster answers the probe, then stops answering mid-batch: the batch waits the crawl's setting."""
    stats = StatsCollector(SimpleNamespace(settings=Settings()))
    pipe = ElasticsearchPipeline(stats, "unreachable", tmp_path / "spool", batch_size=2, flush_s=60, unreachable_s=1)

    async def crawl() -> None:
        pipe.open_spider()
        # gone after the probe
        pipe.es = get_client(f"http://127.0.0.1:{free_port()}", component="indexer", max_retries=0)
        for n in range(2):
            pipe.process_item(scored_ad(n, site="unreachable"))
        await pipe.close_spider()

    with caplog.at_level(logging.WARNING, logger="crawler.pipelines.index"):
        asyncio.run(crawl())
    assert "Elasticsearch unreachable for 1s" in caplog.text
    assert stats.get_value("signaal/index/unavailable") == 2  # the batch of two, tried when full and at close
    assert len(list((tmp_path / "spool").glob("unreachable-*.jsonl"))) == 1  # kept for the next run
