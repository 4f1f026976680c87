"""A value that becomes "too common" in an incremental run must split its cluster as a rebuild would."""

from __future__ import annotations

import random

import pytest
from elasticsearch import helpers

from indexing.indexer import index_ads
from linking.config import default_config
from linking.run import link

pytestmark = pytest.mark.es

WORDS = ["appel", "peer", "kers", "druif", "melon", "citroen", "banaan", "kiwi", "mango", "pruim", "vijg", "dadel"]


def _ad(n: int, phone: str) -> dict:
    body = " ".join(random.Random(n).sample(WORDS, len(WORDS)) + random.Random(-n).sample(WORDS, len(WORDS)))
    return {
        "id": f"capsite:{n:03d}",
        "site": "capsite",
        "title": f"Advertentie {n}",
        "body": body,
        "entities": {"phones": [phone], "names": [f"Naam{n}"], "ages": [30]},
        "crawl": {"first_seen": "2025-05-01T00:00:00Z"},
    }


def _clusters(es, prefix):
    return {
        h["_id"]: h["_source"]["cluster"]
        for h in helpers.scan(es, index=f"{prefix}-ads", query={"_source": ["cluster"]})
    }


def test_crossing_the_cap_splits_like_a_rebuild(es, fresh_index_prefix):
    cfg = default_config().model_copy(deep=True)
    cfg.too_common.phone = 3
    index_ads(es, [_ad(i, "+31612345600") for i in range(1, 4)], refresh=True)
    link(es, cfg=cfg)
    assert {c["size"] for c in _clusters(es, fresh_index_prefix).values()} == {3}

    index_ads(es, [_ad(4, "+31612345600")], refresh=True)
    report = link(es, cfg=cfg)
    assert report.mode == "incremental"
    after = _clusters(es, fresh_index_prefix)
    assert {c["size"] for c in after.values()} == {1}
    assert not es.count(index=f"{fresh_index_prefix}-clusters")["count"]
    link(es, cfg=cfg, full=True)
    assert _clusters(es, fresh_index_prefix) == after
