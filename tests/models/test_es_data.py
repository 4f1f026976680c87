"""The label queue, training data and the indicator report against a real Elasticsearch."""

import pytest
from elasticsearch import helpers

from indexing.rescore import rescore
from models.active_learning import label_queue
from models.data_io import load_es
from models.indicator_report import indicator_report
from signaal.settings import alias

pytestmark = pytest.mark.es


def test_label_queue_orders_by_uncertainty_and_leaves_out_decided_ads(es, fresh_index_prefix, indexed_ads, registry):
    registry.promote("v0001")
    rescore(es, fresh_index_prefix)
    queue = label_queue(es, fresh_index_prefix, n=10)
    assert 0 < len(queue) <= 10
    uncertainties = [row["uncertainty"] for row in queue]
    assert uncertainties == sorted(uncertainties, reverse=True)
    decided = queue[0]["id"]
    es.update(index=alias("ads", fresh_index_prefix), id=decided, doc={"triage": {"status": "lead"}}, refresh=True)
    assert decided not in [row["id"] for row in label_queue(es, fresh_index_prefix, n=10)]


def test_training_data_from_decisions_latest_wins(es, fresh_index_prefix, indexed_ads):
    decisions = [
        {
            "ad_id": indexed_ads[0]["id"],
            "decision": "lead",
            "labels": {"minor": "yes", "trafficking": "no"},
            "decided_at": "2025-01-01T10:00:00Z",
            "user": "a1",
            "role": "analyst",
        },
        {
            "ad_id": indexed_ads[0]["id"],
            "decision": "not_relevant",
            "labels": {"minor": "no", "trafficking": "no"},
            "decided_at": "2025-01-02T10:00:00Z",
            "user": "a2",
            "role": "analyst",
        },
        {
            "ad_id": indexed_ads[1]["id"],
            "decision": "needs_review",
            "labels": {"minor": "unknown", "trafficking": "yes"},
            "decided_at": "2025-01-01T10:00:00Z",
            "user": "a1",
            "role": "analyst",
        },
        {
            "ad_id": indexed_ads[2]["id"],
            "decision": "needs_review",
            "labels": {"minor": "unknown", "trafficking": "unknown"},
            "decided_at": "2025-01-01T10:00:00Z",
            "user": "a1",
            "role": "analyst",
        },
    ]
    helpers.bulk(
        es, [{"_index": alias("decisions", fresh_index_prefix), "_source": d} for d in decisions], refresh=True
    )
    records = {r["id"]: r for r in load_es(es, fresh_index_prefix)}
    assert set(records) == {indexed_ads[0]["id"], indexed_ads[1]["id"]}
    assert records[indexed_ads[0]["id"]]["labels"] == {"minor": 0, "trafficking": 0}
    assert records[indexed_ads[1]["id"]]["labels"] == {"minor": None, "trafficking": 1}
    rows = indicator_report(list(records.values()), target="trafficking")
    assert all(r["ads"] == r["leads"] + r["not_leads"] for r in rows)
