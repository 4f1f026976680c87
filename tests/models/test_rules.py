import pytest

from models import queue_priority, score
from models.config import rules_config
from models.rules import RulesScorer


def _ad(ad_id, ages=(), codes=()):
    return {
        "id": ad_id,
        "title": "Anna",
        "body": "Beschikbaar op afspraak.",
        "entities": {"ages": list(ages), "phones": ["+999550000001"]},
        "indicators": [
            {"code": c, "category": "minor" if c.startswith("MINOR") else "trafficking", "weight": 0.5} for c in codes
        ],
    }


def test_rules_baseline_scores_in_order_with_analyst_reasons(monkeypatch, tmp_path):
    monkeypatch.setenv("SIGNAAL_VAR_DIR", str(tmp_path))
    ads = [_ad("a:1", [16], ["MINOR_STATED_AGE", "TRAF_HOTEL"]), _ad("a:2", [31]), _ad("a:3", [], ["TRAF_HOTEL"])]
    out = list(score(iter(ads)))
    assert [r["id"] for r in out] == ["a:1", "a:2", "a:3"]
    first = out[0]["risk"]
    assert first["model_version"] == "rules-v1"
    assert "stated age 16" in first["reasons"]
    assert "hotel visits only (TRAF_HOTEL)" in first["reasons"]
    # noisy-or of the weights in rules.yaml: stated age under 18 and MINOR_STATED_AGE; TRAF_HOTEL alone
    cfg = rules_config()
    minor = 1 - (1 - cfg.entities["age_under_18"]["weight"]) * (1 - cfg.indicators["MINOR_STATED_AGE"].weight)
    assert first["minor"] == pytest.approx(minor, abs=1e-6)
    assert first["trafficking"] == pytest.approx(cfg.indicators["TRAF_HOTEL"].weight, abs=1e-6)
    assert out[2]["risk"]["minor"] == 0.0
    assert out[2]["risk"]["trafficking"] == first["trafficking"]
    assert out[1]["risk"] == {
        "minor": 0.0,
        "trafficking": 0.0,
        "priority": 0.0,
        "reasons": [],
        "model_version": "rules-v1",
    }
    assert first["priority"] == pytest.approx(cfg.priority(first["minor"], first["trafficking"]), abs=1e-6)


def test_duplicate_indicator_counts_once():
    once = RulesScorer().score_one(_ad("a", [], ["TRAF_HOTEL"]))
    twice = RulesScorer().score_one(_ad("a", [], ["TRAF_HOTEL", "TRAF_HOTEL"]))
    assert once == twice


def test_queue_priority_is_raised_by_link_indicators_but_not_saturated():
    doc = {"risk": {"priority": 0.3}}
    assert queue_priority(doc) == 0.3
    one = queue_priority({**doc, "link_indicators": [{"code": "TRAF_SHARED_CONTACT", "weight": 0.5}]})
    many = queue_priority({**doc, "link_indicators": [{"code": "TRAF_SHARED_CONTACT", "weight": 0.5}] * 20})
    two = queue_priority(
        {
            **doc,
            "link_indicators": [
                {"code": "TRAF_SHARED_CONTACT", "weight": 0.5},
                {"code": "MINOR_AGE_INCONSISTENT", "weight": 0.6},
            ],
        }
    )
    scale = rules_config().link_scale
    assert one == many == pytest.approx(1 - 0.7 * (1 - scale * 0.5), abs=1e-6)  # each code counts once
    assert two == pytest.approx(1 - 0.7 * (1 - scale * 0.5) * (1 - scale * 0.6), abs=1e-6)
    assert 0.3 < one < two < 1.0
    assert queue_priority({}) == 0.0
