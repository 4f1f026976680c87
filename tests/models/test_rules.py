import math
import re

import pytest

from models import queue_priority, score
from models.config import rules_config
from models.rules import RulesScorer


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


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


def test_rules_baseline_scores_are_calibrated_probabilities(monkeypatch, tmp_path, fixed_calibration):
    monkeypatch.setenv("SIGNAAL_VAR_DIR", str(tmp_path))
    ads = [_ad("a:1", [16], ["MINOR_STATED_AGE", "TRAF_HOTEL"]), _ad("a:2", [31]), _ad("a:3", [], ["TRAF_HOTEL"])]
    out = list(score(iter(ads)))
    assert [r["id"] for r in out] == ["a:1", "a:2", "a:3"]
    (minor_a, minor_b), (traf_a, traf_b) = fixed_calibration["minor"], fixed_calibration["trafficking"]
    version = RulesScorer().model_version
    assert re.fullmatch(r"rules-v2\.[0-9a-f]{8}", version)
    # no signal: the calibrated rate of positives among ads without signals, not 0 and not a coin toss
    none_minor, none_traf = round(_sigmoid(minor_a), 6), round(_sigmoid(traf_a), 6)
    assert out[1]["risk"] == {
        "minor": none_minor,
        "trafficking": none_traf,
        "priority": round(1 - (1 - none_minor) * (1 - 0.85 * none_traf), 6),
        "reasons": [],
        "model_version": version,
    }
    assert (none_minor, none_traf) == (0.047426, 0.119203)
    # evidence = sum(-ln(1 - w)): stated age under 18 (code 0.85, entity 0.90) and hotel only (0.53)
    first = out[0]["risk"]
    assert first["minor"] == round(_sigmoid(minor_a + minor_b * (-math.log(0.15) - math.log(0.10))), 6) == 0.995501
    assert first["trafficking"] == round(_sigmoid(traf_a + traf_b * -math.log(0.47)), 6) == 0.295782
    assert out[2]["risk"]["trafficking"] == first["trafficking"] and out[2]["risk"]["minor"] == none_minor
    assert "stated age 16" in first["reasons"]
    assert "hotel visits only (TRAF_HOTEL)" in first["reasons"]
    assert first["priority"] == pytest.approx(rules_config().priority(first["minor"], first["trafficking"]), abs=1e-6)


def test_without_a_calibration_the_score_is_the_plain_noisy_or(monkeypatch, tmp_path):
    monkeypatch.setenv("SIGNAAL_RULES_CALIBRATION", str(tmp_path / "none.yaml"))
    rules_config.cache_clear()
    try:
        risk = RulesScorer().score_one(_ad("a", [16], ["MINOR_STATED_AGE", "TRAF_HOTEL"]))
    finally:
        monkeypatch.undo()
        rules_config.cache_clear()
    assert risk["minor"] == round(1 - 0.15 * 0.10, 6) and risk["trafficking"] == 0.53


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
