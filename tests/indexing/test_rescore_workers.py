"""`rescore --workers 2` splits the index with a sliced point-in-time: the same documents as one worker."""

from __future__ import annotations

import pytest
from elasticsearch import helpers

from indexing.rescore import pending_count, rescore
from signaal.es.mappings import apply_mappings, delete_prefix
from signaal.settings import alias

pytestmark = pytest.mark.es


def _copy(es, source_prefix: str, target_prefix: str) -> None:
    docs = helpers.scan(es, index=alias("ads", source_prefix), query={"query": {"match_all": {}}})
    helpers.bulk(es, ({"_index": alias("ads", target_prefix), "_id": d["_id"], "_source": d["_source"]} for d in docs))
    es.indices.refresh(index=alias("ads", target_prefix))


def _stored(es, prefix: str) -> dict[str, dict]:
    return {
        d["_id"]: d["_source"] for d in helpers.scan(es, index=alias("ads", prefix), query={"query": {"match_all": {}}})
    }


def test_two_workers_write_exactly_what_one_worker_writes(es, fresh_index_prefix, indexed_ads, registry):
    registry.promote("v0001")
    scorer = registry.load("v0001")
    twin = f"{fresh_index_prefix}_w2"
    apply_mappings(es, twin)
    try:
        _copy(es, fresh_index_prefix, twin)
        one = rescore(es, fresh_index_prefix, scorer=scorer, page_size=25)
        pages = []
        two = rescore(es, twin, scorer=scorer, page_size=25, workers=2, on_page=lambda r: pages.append(r.scanned))
        assert (two.scanned, two.updated, two.reanalyzed, two.failed) == (
            one.scanned,
            one.updated,
            one.reanalyzed,
            one.failed,
        )
        assert one.updated == len(indexed_ads) and one.reanalyzed == 5
        assert len(pages) >= 4 and pages == sorted(pages), "progress arrives page by page from both workers"
        assert _stored(es, twin) == _stored(es, fresh_index_prefix)
        assert pending_count(es, twin, "v0001") == 0
        assert rescore(es, twin, scorer=scorer, workers=2).updated == 0, "resumable: nothing left to do"
    finally:
        delete_prefix(es, twin)
