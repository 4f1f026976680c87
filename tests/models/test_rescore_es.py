"""Rescoring, the label queue and ES training data against a real Elasticsearch."""

import pytest
from elasticsearch import helpers

import nlp
from models import score
from models.active_learning import label_queue
from models.data_io import load_es
from models.indicator_report import indicator_report
from models.rescore import pending_count, rescore
from models.rules import RulesScorer
from signaal.demo_sites import generate
from signaal.indexing.derive import derive_fields

pytestmark = pytest.mark.es


@pytest.fixture
def ads(es, fresh_index_prefix):
    """120 generator ads indexed with rules-v1 scores; 5 lack analysis fields (rescoring must re-run nlp)."""
    records = list(score(nlp.analyze(generate(seed=5, n_ads=120, epoch=1).ads), scorer=RulesScorer()))
    docs = []
    for n, record in enumerate(records):
        doc = derive_fields({k: v for k, v in record.items() if k not in ("id", "labels")})  # as the indexer stores
        if n < 5:
            for field in ("language", "entities", "indicators"):
                doc.pop(field)
        docs.append({"_index": f"{fresh_index_prefix}-ads", "_id": record["id"], "_source": doc})
    helpers.bulk(es, docs, refresh=True)
    return records


def test_interrupted_rescore_resumes_until_every_ad_is_on_the_new_version(es, fresh_index_prefix, ads, registry):
    registry.promote("v0001")
    scorer = registry.load("v0001")

    class StopRescoreError(Exception):
        pass

    def stop_after_first_page(report):
        raise StopRescoreError

    with pytest.raises(StopRescoreError):
        rescore(es, fresh_index_prefix, scorer=scorer, page_size=40, on_page=stop_after_first_page)
    es.indices.refresh(index=f"{fresh_index_prefix}-ads")
    total = es.count(index=f"{fresh_index_prefix}-ads")["count"]
    assert pending_count(es, fresh_index_prefix, "v0001") == total - 40

    report = rescore(es, fresh_index_prefix, page_size=40)  # default scorer = promoted v0001
    assert report.model_version == "v0001" and report.failed == 0
    assert report.updated == total - 40
    assert pending_count(es, fresh_index_prefix, "v0001") == 0
    hit = es.search(index=f"{fresh_index_prefix}-ads", size=1, sort=[{"priority": "desc"}])["hits"]["hits"][0]
    assert hit["_source"]["priority"] >= hit["_source"]["risk"]["priority"]
    assert rescore(es, fresh_index_prefix).updated == 0  # nothing left: a rerun is a no-op

    queue = label_queue(es, fresh_index_prefix, n=10)
    assert 0 < len(queue) <= 10
    uncertainties = [row["uncertainty"] for row in queue]
    assert uncertainties == sorted(uncertainties, reverse=True)
    decided = queue[0]["id"]
    es.update(index=f"{fresh_index_prefix}-ads", id=decided, doc={"triage": {"status": "lead"}}, refresh=True)
    assert decided not in [row["id"] for row in label_queue(es, fresh_index_prefix, n=10)]


def test_training_data_from_decisions_latest_wins(es, fresh_index_prefix, ads):
    decisions = [
        {
            "ad_id": ads[0]["id"],
            "decision": "lead",
            "labels": {"minor": "yes", "trafficking": "no"},
            "decided_at": "2025-01-01T10:00:00Z",
            "user": "a1",
            "role": "analyst",
        },
        {
            "ad_id": ads[0]["id"],
            "decision": "not_relevant",
            "labels": {"minor": "no", "trafficking": "no"},
            "decided_at": "2025-01-02T10:00:00Z",
            "user": "a2",
            "role": "analyst",
        },
        {
            "ad_id": ads[1]["id"],
            "decision": "needs_review",
            "labels": {"minor": "unknown", "trafficking": "yes"},
            "decided_at": "2025-01-01T10:00:00Z",
            "user": "a1",
            "role": "analyst",
        },
        {
            "ad_id": ads[2]["id"],
            "decision": "needs_review",
            "labels": {"minor": "unknown", "trafficking": "unknown"},
            "decided_at": "2025-01-01T10:00:00Z",
            "user": "a1",
            "role": "analyst",
        },
    ]
    helpers.bulk(es, [{"_index": f"{fresh_index_prefix}-decisions", "_source": d} for d in decisions], refresh=True)
    records = {r["id"]: r for r in load_es(es, fresh_index_prefix)}
    assert set(records) == {ads[0]["id"], ads[1]["id"]}
    assert records[ads[0]["id"]]["labels"] == {"minor": 0, "trafficking": 0}
    assert records[ads[1]["id"]]["labels"] == {"minor": None, "trafficking": 1}
    rows = indicator_report(list(records.values()), target="trafficking")
    assert all(r["ads"] == r["leads"] + r["not_leads"] for r in rows)
