"""The rules baseline's calibration: fitted on labelled ads, stored with its provenance, applied exactly."""

import json
import math

import pytest
from typer.testing import CliRunner

from models.calibration import fit_calibration
from models.config import read_calibration, rules_config
from models.data_io import read_jsonl
from models.rules import RulesScorer
from nlp import accepted
from signaal.cli import app


def _ad(n: int, code: str | None, minor: int, trafficking: int) -> dict:
    """A decided, analyzed ad without contacts (every ad its own advertiser group)."""
    category = "minor" if code and code.startswith("MINOR") else "trafficking"
    indicators = [{"code": code, "category": category, "weight": 0.5}] if code else []
    return {
        "id": f"cal:{n}",
        "title": "Beschikbaar",
        "body": "Rustige afspraak.",
        "language": "nl",
        "entities": {},
        "indicators": indicators,
        "labels": {"minor": minor, "trafficking": trafficking},
    }


def _corpus() -> list[dict]:
    """400 ads at two evidence levels per target, with known rates of positives at each."""
    ads = []
    for n in range(200):  # no signal: 2 % minor, 5 % trafficking positives
        ads.append(_ad(n, None, int(n % 50 == 0), int(n % 20 == 0)))
    for n in range(200, 300):  # school reference: 40 % minor positives
        ads.append(_ad(n, "MINOR_SCHOOL_REFERENCE", int(n % 5 < 2), 0))
    for n in range(300, 400):  # hotel only: 60 % trafficking positives
        ads.append(_ad(n, "TRAF_HOTEL", 0, int(n % 5 < 3)))
    return ads


def test_fit_reproduces_the_rates_of_positives_at_each_evidence_level():
    document = fit_calibration(_corpus(), source="test corpus", synthetic=True)
    fitted, provenance = document["targets"], document["provenance"]
    minor = rules_config().indicators["MINOR_SCHOOL_REFERENCE"].weight
    hotel = rules_config().indicators["TRAF_HOTEL"].weight

    def p(target: str, evidence: float) -> float:
        return 1 / (1 + math.exp(-(fitted[target]["intercept"] + fitted[target]["slope"] * evidence)))

    # no signal: the minor rate over the 300 ads without a minor signal (2 of 200 + 0 of 100 hotel ads)
    assert p("minor", 0.0) == pytest.approx(4 / 300, abs=1e-3)
    assert p("minor", -math.log1p(-minor)) == pytest.approx(0.40, abs=1e-3)
    assert p("trafficking", 0.0) == pytest.approx(10 / 300, abs=1e-3)
    assert p("trafficking", -math.log1p(-hotel)) == pytest.approx(0.60, abs=1e-3)
    assert provenance["source"] == "test corpus" and provenance["synthetic"] is True
    assert provenance["labelled"] == {"minor": {"n": 400, "positives": 44}, "trafficking": {"n": 400, "positives": 70}}
    assert provenance["nlp_version"].startswith("nlp-") and len(provenance["rules_fingerprint"]) == 8
    held = provenance["held_out"]["trafficking"]
    assert held["brier_calibrated"] < held["brier_raw"]


def test_calibrate_command_writes_a_file_the_rules_baseline_then_uses(tmp_path, monkeypatch):
    data = tmp_path / "labelled.jsonl"
    data.write_text("\n".join(json.dumps(ad) for ad in _corpus()) + "\n", encoding="utf-8")
    out = tmp_path / "calibration.yaml"
    result = CliRunner().invoke(
        app, ["calibrate", "--data", str(data), "--out", str(out), "--synthetic", "--source", "four hundred ads"]
    )
    assert result.exit_code == 0, result.output
    assert "no-signal ads: predicted" in result.output
    fitted, provenance = read_calibration(out)
    assert provenance["source"] == "four hundred ads" and provenance["synthetic"] is True
    assert out.read_text(encoding="utf-8").startswith("# Calibration of the rules baseline")
    monkeypatch.setenv("SIGNAAL_RULES_CALIBRATION", str(out))
    rules_config.cache_clear()
    try:
        risk = RulesScorer().score_one(next(iter(read_jsonl(data))))  # cal:0 has no signal
    finally:
        monkeypatch.delenv("SIGNAAL_RULES_CALIBRATION")
        rules_config.cache_clear()
    assert risk["trafficking"] == round(fitted["trafficking"].probability(0.0), 6)
    assert risk["trafficking"] == pytest.approx(10 / 300, abs=1e-3)


def test_calibrate_refuses_labels_of_one_class(tmp_path):
    data = tmp_path / "one-class.jsonl"
    data.write_text("\n".join(json.dumps(_ad(n, None, 0, 0)) for n in range(20)), encoding="utf-8")
    result = CliRunner().invoke(app, ["calibrate", "--data", str(data), "--out", str(tmp_path / "c.yaml")])
    assert result.exit_code == 2 and "only one class" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "c.yaml").exists()


def test_an_accepted_weight_proposal_is_a_new_rules_model(fixed_calibration, accepted_file):
    before = RulesScorer()
    ad = _ad(1, "TRAF_HOTEL", 0, 1)
    accepted.append({"action": "weight", "code": "TRAF_HOTEL", "weight": 0.1, "by": "mlstaff"})
    after = RulesScorer()
    assert after.model_version != before.model_version
    intercept, slope = fixed_calibration["trafficking"]
    expected = 1 / (1 + math.exp(-(intercept + slope * -math.log(0.9))))
    assert after.score_one(ad)["trafficking"] == round(expected, 6)
    assert before.score_one(ad)["trafficking"] > after.score_one(ad)["trafficking"]
    assert "code: TRAF_HOTEL" in accepted_file.read_text(encoding="utf-8")
