"""`signaal link --workers 2`: ads read and keyed by two processes over a sliced point-in-time, the same links,
clusters and ad blocks as one process."""

from __future__ import annotations

import pytest
from elasticsearch import helpers

from devtools.fixture_sites.truth_ads import truth_ads
from indexing.indexer import index_ads
from linking.run import Parallel, link
from signaal.es.mappings import apply_mappings, delete_prefix
from signaal.settings import alias

pytestmark = pytest.mark.es


def _everything(es, prefix: str) -> dict[str, dict]:
    """Every ad, link and cluster document, without the times they were written."""
    out = {}
    for kind, stamps in (("ads", ("indexed_at",)), ("links", ("created_at",)), ("clusters", ("updated_at",))):
        for hit in helpers.scan(es, index=alias(kind, prefix), query={"query": {"match_all": {}}}):
            if hit["_id"] == "_linking_state":
                continue
            out[f"{kind}/{hit['_id']}"] = {k: v for k, v in hit["_source"].items() if k not in stamps}
    return out


def test_two_workers_link_exactly_as_one(es, fresh_index_prefix):
    ads, _ = truth_ads(13, 240, 1)
    twin = f"{fresh_index_prefix}_w2"
    apply_mappings(es, twin)
    try:
        for prefix in (fresh_index_prefix, twin):
            index_ads(es, ads, prefix=prefix, refresh=True)
        one = link(es, full=True, prefix=fresh_index_prefix)
        seen = []
        parallel = Parallel(workers=2, from_ads=0, on_progress=lambda phase, done, total: seen.append((phase, done)))
        two = link(es, full=True, prefix=twin, parallel=parallel)
        assert (two.ads_processed, two.links, two.clusters, two.largest_cluster) == (
            one.ads_processed,
            one.links,
            one.clusters,
            one.largest_cluster,
        )
        assert one.clusters > 5 and one.links > 5, "the corpus has advertisers with several ads"
        assert _everything(es, twin) == _everything(es, fresh_index_prefix)
        assert ("reading ads", len(ads)) in seen and seen[-1][0] == "writing"
        # incremental runs take the same road: a re-run finds nothing new
        assert link(es, prefix=twin, parallel=parallel).ads_processed == 0
    finally:
        delete_prefix(es, twin)
