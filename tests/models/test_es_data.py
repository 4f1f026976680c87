"""The label queue, training data and the indicator report against a real Elasticsearch."""

import math

import pytest
from elasticsearch import helpers

from indexing.derive import derive_fields
from indexing.rescore import rescore
from models import score
from models.active_learning import entropy, label_queue
from models.data_io import load_es
from models.indicator_report import indicator_report
from models.rules import RulesScorer
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


def _signal_ad(n: int, codes: tuple[str, ...]) -> dict:
    indicators = [{"code": c, "category": "minor" if c.startswith("MINOR") else "trafficking"} for c in codes]
    return {"id": f"q:{n}", "title": f"Ad {n}", "body": "Rustige afspraak.", "entities": {}, "indicators": indicators}


def test_label_queue_separates_ads_scored_by_the_calibrated_rules(es, fresh_index_prefix, fixed_calibration):
    """Without a promoted model the queue orders by the calibrated rules: each ad's exact doubt, most doubt first."""
    ads = [
        _signal_ad(0, ()),  # no signal: the calibrated base rates, little doubt
        _signal_ad(1, ("TRAF_HOTEL",)),
        _signal_ad(2, ("TRAF_HOTEL", "TRAF_LANGUAGE_BARRIER")),
        _signal_ad(3, ("MINOR_SCHOOL_REFERENCE",)),
        _signal_ad(4, ("TRAF_RESTRICTED", "TRAF_NEW_ARRIVALS", "TRAF_THIRD_PERSON")),  # near certain
    ]
    scorer = RulesScorer()
    scored = list(score(ads, scorer=scorer))
    helpers.bulk(
        es,
        [{"_index": alias("ads", fresh_index_prefix), "_id": r["id"], "_source": derive_fields(r)} for r in scored],
        refresh=True,
    )
    rules = scorer.config.indicators
    (minor_a, minor_b), (traf_a, traf_b) = fixed_calibration["minor"], fixed_calibration["trafficking"]

    def p(intercept: float, slope: float, *codes: str) -> float:
        evidence = sum(-math.log(1 - rules[c].weight) for c in codes)
        return round(1 / (1 + math.exp(-(intercept + slope * evidence))), 6)

    expected = {
        "q:0": max(entropy(p(minor_a, minor_b)), entropy(p(traf_a, traf_b))),
        "q:1": entropy(p(traf_a, traf_b, "TRAF_HOTEL")),
        "q:2": entropy(p(traf_a, traf_b, "TRAF_HOTEL", "TRAF_LANGUAGE_BARRIER")),
        "q:3": max(entropy(p(minor_a, minor_b, "MINOR_SCHOOL_REFERENCE")), entropy(p(traf_a, traf_b))),
        "q:4": max(
            entropy(p(minor_a, minor_b)),
            entropy(p(traf_a, traf_b, "TRAF_RESTRICTED", "TRAF_NEW_ARRIVALS", "TRAF_THIRD_PERSON")),
        ),
    }
    queue = label_queue(es, fresh_index_prefix, n=10, model_version=scorer.model_version)
    assert [(row["id"], row["uncertainty"]) for row in queue] == sorted(
        ((ad_id, round(u, 4)) for ad_id, u in expected.items()), key=lambda x: (-x[1], x[0])
    )
    assert [row["id"] for row in queue] == ["q:2", "q:1", "q:3", "q:0", "q:4"]
    uncertainties = [row["uncertainty"] for row in queue]
    assert len(set(uncertainties)) == len(uncertainties) and uncertainties[0] - uncertainties[-1] > 0.4
