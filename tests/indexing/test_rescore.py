"""Rescoring against a real Elasticsearch: resumable, and the same documents indexing would write."""

import dataclasses
import shutil

import pytest
import yaml

from indexing.derive import derive_fields
from indexing.indexer import index_ads
from indexing.rescore import pending_count, rescore
from models.chain import score_records
from models.priority import queue_priority
from models.rules import RulesScorer
from nlp.lexicon import DEFAULT_LEXICON_DIR
from nlp.pipeline import reload_rules
from nlp.version import analysis_version
from signaal.es.mappings import apply_mappings, delete_prefix
from signaal.settings import alias

pytestmark = pytest.mark.es


def test_interrupted_rescore_resumes_until_every_ad_is_on_the_new_version(
    es, fresh_index_prefix, indexed_ads, registry
):
    registry.promote("v0001")
    scorer = registry.load("v0001")

    class StopRescoreError(Exception):
        pass

    first_page = []

    def stop_after_first_page(report):
        first_page.append(dataclasses.replace(report))
        raise StopRescoreError

    with pytest.raises(StopRescoreError):
        rescore(es, fresh_index_prefix, scorer=scorer, page_size=40, on_page=stop_after_first_page)
    es.indices.refresh(index=alias("ads", fresh_index_prefix))
    total = es.count(index=alias("ads", fresh_index_prefix))["count"]
    assert total == len(indexed_ads)
    assert pending_count(es, fresh_index_prefix, "v0001") == total - 40

    report = rescore(es, fresh_index_prefix, page_size=40)  # default scorer = promoted v0001
    assert report.model_version == "v0001" and report.failed == 0
    assert report.updated == total - 40
    assert pending_count(es, fresh_index_prefix, "v0001", analysis_version()) == 0
    # The five ads stored without analysis were analyzed again, and only they, across both runs.
    assert first_page[0].reanalyzed + report.reanalyzed == 5
    for hit in es.search(index=alias("ads", fresh_index_prefix), size=total)["hits"]["hits"]:
        source = hit["_source"]
        assert source["risk"]["model_version"] == "v0001"
        assert source["priority"] == queue_priority(source)
    assert rescore(es, fresh_index_prefix).updated == 0  # nothing left: a rerun is a no-op


AD = {
    "id": "lexicon:1",
    "site": "lexicon",
    "url": "http://127.0.0.1:9/ad/1",
    "title": "Mila in Utrecht",
    "body": "Mila, 24 jaar. Afspraken alleen in een pension. Bel 06-12345678 of snap: mila_ut.",
}


def _ad_as_stored(es, prefix: str) -> dict:
    source = es.get(index=alias("ads", prefix), id=AD["id"])["_source"]
    source.pop("indexed_at")  # when it was written, not what was written
    for key in ("first_seen", "last_seen", "fetched_at"):
        source.get("crawl", {}).pop(key, None)
    return source


def test_rescore_after_a_lexicon_change_writes_exactly_what_indexing_the_ad_would(
    es, fresh_index_prefix, tmp_path, monkeypatch
):
    index_ads(es, score_records([AD], scorer=RulesScorer()), prefix=fresh_index_prefix, refresh=True)
    before = _ad_as_stored(es, fresh_index_prefix)
    assert "TRAF_HOTEL" not in before["indicator_codes"]

    # The lexicon learns a phrasing ("in een pension" = hotel visits only), as an accepted suggestion would.
    lexicons = tmp_path / "lexicons"
    shutil.copytree(DEFAULT_LEXICON_DIR, lexicons)
    path = lexicons / "nl" / "indicators.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["codes"]["TRAF_HOTEL"]["terms"].append("alleen in een pension")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("SIGNAAL_LEXICON_DIR", str(lexicons))
    reload_rules()
    try:
        report = rescore(es, fresh_index_prefix, scorer=RulesScorer())
        assert (report.scanned, report.updated, report.reanalyzed, report.failed) == (1, 1, 1, 0)
        rescored = _ad_as_stored(es, fresh_index_prefix)

        fresh_prefix = f"{fresh_index_prefix}_fresh"
        apply_mappings(es, fresh_prefix)
        try:
            index_ads(es, score_records([AD], scorer=RulesScorer()), prefix=fresh_prefix, refresh=True)
            assert rescored == _ad_as_stored(es, fresh_prefix)
        finally:
            delete_prefix(es, fresh_prefix)
        assert "TRAF_HOTEL" in rescored["indicator_codes"] and rescored["nlp_version"] != before["nlp_version"]
        assert rescore(es, fresh_index_prefix, scorer=RulesScorer()).scanned == 0  # now current: nothing to do
    finally:
        monkeypatch.delenv("SIGNAAL_LEXICON_DIR")
        reload_rules()


def test_stripped_ads_are_analyzed_again_with_their_derived_fields(es, fresh_index_prefix, indexed_ads):
    report = rescore(es, fresh_index_prefix, scorer=RulesScorer())
    assert (report.scanned, report.reanalyzed, report.failed) == (5, 5, 0)  # only they are behind
    for record in indexed_ads[:5]:  # the five the fixture stored without language, entities, indicators
        stored = es.get(index=alias("ads", fresh_index_prefix), id=record["id"])["_source"]
        want = derive_fields({k: v for k, v in record.items() if k not in ("id", "labels")})
        for field in ("language", "entities", "indicators", "nlp_version", "indicator_codes", "handle_keys", "geo"):
            assert stored[field] == want[field], field
