"""index_ads on a real Elasticsearch: idempotent upserts, versions, kept blocks, dead letters."""

from __future__ import annotations

import json

import pytest

from indexing.indexer import index_ads
from indexing.synthetic import scored_ad

pytestmark = pytest.mark.es


# All tests share one module prefix; each uses its own invented site name, so counts never mix.


def _source(es, prefix, ad_id):
    return es.get(index=f"{prefix}-ads", id=ad_id)["_source"]


def _count(es, prefix, site, kind="ads"):
    field = "site" if kind == "ads" else "ad_id"
    query = {"term": {"site": site}} if kind == "ads" else {"prefix": {field: f"{site}:"}}
    return es.count(index=f"{prefix}-{kind}", query=query)["count"]


def test_indexing_the_same_ads_twice_keeps_count_and_versions(es, index_prefix):
    ads = [scored_ad(n, site="twice") for n in range(50)]
    first = index_ads(es, ads, prefix=index_prefix, chunk_size=20, refresh=True)
    second = index_ads(es, ads, prefix=index_prefix, chunk_size=20, refresh=True)
    assert (first.created, first.updated, first.unchanged, first.failed) == (50, 0, 0, 0)
    assert (second.created, second.updated, second.unchanged, second.failed) == (0, 0, 50, 0)
    assert _count(es, index_prefix, "twice") == 50
    assert _count(es, index_prefix, "twice", kind="ad-versions") == 0
    assert _source(es, index_prefix, "twice:7")["crawl"]["version"] == 1


def test_edited_ad_gets_version_2_and_version_1_is_archived(es, index_prefix):
    original = scored_ad(3, site="edited")
    original["crawl"]["fetched_at"] = "2026-01-05T12:00:00Z"
    index_ads(es, [original], prefix=index_prefix, refresh=True)
    edited = scored_ad(3, site="edited", edit=1)
    edited["crawl"]["fetched_at"] = "2026-01-09T08:30:00Z"
    report = index_ads(es, [edited], prefix=index_prefix, refresh=True)
    assert (report.updated, report.versions_archived) == (1, 1)

    current = _source(es, index_prefix, "edited:3")
    assert current["crawl"]["version"] == 2
    assert current["body"] == edited["body"]
    assert current["crawl"]["first_seen"] == "2026-01-05T12:00:00Z"
    assert current["crawl"]["last_seen"] == "2026-01-09T08:30:00Z"

    v1 = es.get(index=f"{index_prefix}-ad-versions", id="edited:3:v1")["_source"]
    assert v1["version"] == 1
    assert v1["ad"]["body"] == original["body"]
    assert v1["ad"]["crawl"]["version"] == 1


def test_first_seen_is_the_earliest_and_last_seen_the_latest_ever(es, index_prefix):
    late = scored_ad(4, site="early")
    late["crawl"]["fetched_at"] = "2026-02-01T00:00:00Z"
    early = scored_ad(4, site="early")
    early["crawl"]["fetched_at"] = "2026-01-01T00:00:00Z"
    index_ads(es, [late], prefix=index_prefix)
    index_ads(es, [early], prefix=index_prefix, refresh=True)
    crawl = _source(es, index_prefix, "early:4")["crawl"]
    assert crawl["first_seen"] == "2026-01-01T00:00:00Z"
    assert crawl["last_seen"] == "2026-02-01T00:00:00Z"  # an older file re-run never moves last_seen back


def test_recrawl_keeps_blocks_written_by_later_stages(es, index_prefix):
    ad = scored_ad(5, site="kept")
    index_ads(es, [ad], prefix=index_prefix, refresh=True)
    es.update(
        index=f"{index_prefix}-ads",
        id="kept:5",
        doc={
            "triage": {"status": "lead", "decided_by": "analyst1"},
            "cluster": {"id": "c-1", "size": 2},
            "link_indicators": [{"code": "TRAF_SHARED_CONTACT", "category": "trafficking", "weight": 0.5}],
        },
        refresh=True,
    )
    index_ads(es, [scored_ad(5, site="kept")], prefix=index_prefix, refresh=True)
    stored = _source(es, index_prefix, "kept:5")
    assert stored["triage"]["status"] == "lead"
    assert stored["cluster"]["id"] == "c-1"
    assert "TRAF_SHARED_CONTACT" in stored["indicator_codes"]
    assert stored["priority"] > ad["risk"]["priority"]


def test_derived_fields_are_queryable(es, index_prefix):
    ads = [scored_ad(n, site="derived") for n in range(30)]
    index_ads(es, ads, prefix=index_prefix, refresh=True)
    phone = ads[0]["entities"]["phones"][0]
    expected = sum(1 for ad in ads if phone in ad["entities"]["phones"])
    by_phone = es.count(
        index=f"{index_prefix}-ads",
        query={"bool": {"filter": [{"term": {"entities.phones": phone}}, {"term": {"site": "derived"}}]}},
    )
    assert by_phone["count"] == expected
    hotel = sum(1 for ad in ads if ad["indicators"])
    by_code = es.count(
        index=f"{index_prefix}-ads",
        query={"bool": {"filter": [{"term": {"indicator_codes": "TRAF_HOTEL"}}, {"term": {"site": "derived"}}]}},
    )
    assert by_code["count"] == hotel
    key = ads[0]["entities"]["handles"][0]
    by_handle = es.count(
        index=f"{index_prefix}-ads",
        query={
            "bool": {
                "filter": [
                    {"term": {"handle_keys": f"{key['platform']}:{key['handle']}".lower()}},
                    {"term": {"site": "derived"}},
                ]
            }
        },
    )
    assert by_handle["count"] == sum(1 for ad in ads if key in ad["entities"]["handles"])
    near = es.count(
        index=f"{index_prefix}-ads",
        query={
            "bool": {
                "filter": [
                    {"geo_distance": {"distance": "5km", "geo": {"lat": 52.09, "lon": 5.12}}},
                    {"term": {"site": "derived"}},
                ]
            }
        },
    )
    assert near["count"] == sum(1 for ad in ads if ad["entities"]["locations"][0]["name"] == "Utrecht")


def test_rejected_doc_goes_to_dead_letter_file_and_the_rest_is_indexed(es, index_prefix, tmp_path):
    good = [scored_ad(n, site="dead") for n in range(5)]
    bad = scored_ad(99, site="dead")
    bad["entities"]["ages"] = ["negentien jaar"]  # integer field: Elasticsearch rejects the document
    no_id = {"title": "no id", "body": "nothing"}
    dead = tmp_path / "dead.jsonl"
    report = index_ads(es, [*good, bad, no_id], prefix=index_prefix, dead_letter_path=dead, refresh=True)
    assert (report.created, report.failed, report.dead_lettered) == (5, 2, 2)
    lines = [json.loads(line) for line in dead.read_text().splitlines()]
    rejected = next(line for line in lines if line["id"] == "dead:99")
    assert rejected["status"] == 400
    assert rejected["error"]["type"] == "document_parsing_exception"
    assert rejected["record"]["entities"]["ages"] == ["negentien jaar"]
    assert any(line["error"] == "missing id" for line in lines)
    assert _count(es, index_prefix, "dead") == 5


def test_duplicate_ids_in_one_input_become_successive_versions(es, index_prefix):
    report = index_ads(
        es, [scored_ad(8, site="dup"), scored_ad(8, site="dup", edit=1)], prefix=index_prefix, refresh=True
    )
    assert (report.created, report.updated) == (1, 1)
    assert _source(es, index_prefix, "dup:8")["crawl"]["version"] == 2


def test_missing_alias_is_a_clear_error(es):
    from indexing.indexer import IndexingError

    with pytest.raises(IndexingError, match="signaal es init"):
        index_ads(es, [scored_ad(1)], prefix="t_no_such_prefix")
    assert not es.indices.exists(index="t_no_such_prefix-ads")
