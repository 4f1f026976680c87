"""Mining analysts' decisions: outcomes, new phrasings, weak rules, code weights, and the CLI over real ES."""

import json

import pytest
from elasticsearch import helpers
from typer.testing import CliRunner

from models.data_io import outcomes
from models.suggestions import code_weights, new_phrasings, phrase_evidence, prepare, weak_rules
from nlp import accepted
from signaal.cli import app
from signaal.settings import alias


def _decision(kind: str, minor: str = "unknown", trafficking: str = "unknown") -> dict:
    return {
        "decision": kind,
        "labels": {"minor": minor, "trafficking": trafficking},
        "decided_at": "2026-11-01T10:00:00Z",
    }


def _ad(n: int, body: str, indicators: tuple = (), phone: str | None = None, names: tuple = ()) -> dict:
    return {
        "id": f"s:{n}",
        "title": "Beschikbaar",
        "body": body,
        "entities": {"phones": [phone or f"+3161234{6000 + n:04d}"], "names": list(names)},
        "indicators": list(indicators),
    }


def _hit(body: str, phrase: str, code: str, category: str = "trafficking") -> dict:
    start = body.index(phrase)
    return {
        "code": code,
        "category": category,
        "field": "body",
        "start": start,
        "end": start + len(phrase),
        "text": phrase,
    }


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        (_decision("lead", trafficking="yes"), {"minor": None, "trafficking": 1, "any": 1}),
        (_decision("lead"), {"minor": None, "trafficking": None, "any": 1}),
        (_decision("not_relevant"), {"minor": 0, "trafficking": 0, "any": 0}),
        (_decision("not_relevant", trafficking="yes"), {"minor": 0, "trafficking": 1, "any": 1}),
        (_decision("escalate_minor"), {"minor": 1, "trafficking": None, "any": 1}),
        (_decision("needs_review"), {"minor": None, "trafficking": None, "any": None}),
        (_decision("needs_review", "no", "no"), {"minor": 0, "trafficking": 0, "any": 0}),
    ],
)
def test_what_a_decision_says_per_target(decision, expected):
    assert outcomes(decision) == expected


def _corpus() -> list[tuple[dict, dict]]:
    pairs = []
    for n in range(8):  # leads: "met de chauffeur" from eight advertisers
        body = f"Iris is er vandaag. Vervoer met de chauffeur geregeld. Bel 06-1234 60{n:02d}."
        pairs.append((_ad(n, body, names=("Iris",)), _decision("lead", trafficking="yes")))
    for n in range(8, 18):  # not relevant: a touring phrase the rules flag
        body = f"Nieuw in de stad deze week. Rustige ontvangst {n}."
        pairs.append((_ad(n, body, [_hit(body, "Nieuw in de stad", "TRAF_MOVEMENT")]), _decision("not_relevant")))
    for n in range(18, 21):  # one advertiser (shared phone) repeating a template among leads
        body = "Altijd bereikbaar via mijn vaste nummer, groetjes van Sterre."
        pairs.append((_ad(n, body, phone="+31612349999"), _decision("lead", trafficking="yes")))
    return pairs


def test_new_phrasings_are_uncovered_over_represented_and_from_several_advertisers(accepted_file):
    ads = prepare(_corpus())
    rows = {r["phrasing"]: r for r in new_phrasings(ads)}
    row = rows["met de chauffeur"]  # the longest phrasing with these counts ("chauffeur" alone adds nothing)
    assert "chauffeur" not in rows and "de chauffeur" not in rows
    assert (row["ads"], row["positives"], row["advertisers"], row["precision"]) == (8, 8, 8, 1.0)
    assert row["base_rate"] == round(11 / 21, 4) and row["lift"] == round(21 / 11, 3)
    assert row["examples"][0] == {
        "id": "s:0",
        "title": "Beschikbaar",
        "before": "Iris is er vandaag. Vervoer ",
        "match": "met de chauffeur",
        "after": " geregeld. Bel 06-1234 6000.",
    }
    assert not any("vandaag vervoer" in p for p in rows)  # "vandaag. Vervoer": a term never spans a break
    assert not any("iris" in p for p in rows)  # the advertised person's own name is never a phrasing
    assert not any("sterre" in p or "nummer" in p for p in rows)  # one advertiser's template: one group
    assert not any("nieuw" in p for p in rows)  # covered by a rule
    assert not any("1234" in p or "6000" in p for p in rows)  # contacts are masked

    accepted.append({"action": "add_term", "code": "TRAF_RESTRICTED", "term": "met de chauffeur", "by": "ml"})
    assert "met de chauffeur" not in {r["phrasing"] for r in new_phrasings(ads)}  # accepted, pending rescore


def test_weak_rules_and_code_weights_show_what_analysts_reject(accepted_file):
    ads = prepare(_corpus())
    [row] = weak_rules(ads)
    assert (row["code"], row["phrasing"], row["ads"], row["negatives"], row["lift"]) == (
        "TRAF_MOVEMENT",
        "nieuw in de stad",
        10,
        10,
        0.0,
    )
    assert row["excludable"] is True and row["examples"][0]["match"] == "Nieuw in de stad"
    [weight] = [r for r in code_weights(ads) if r["code"] == "TRAF_MOVEMENT"]
    assert weight["suggested_weight"] == 0.0 and weight["target"] == "trafficking"
    accepted.append({"action": "weight", "code": "TRAF_MOVEMENT", "weight": 0.05, "by": "ml"})
    accepted.append({"action": "exclude", "code": "TRAF_MOVEMENT", "term": "Nieuw in de  stad", "by": "ml"})
    assert weak_rules(ads) == []  # excluded already: no longer suggested
    assert [r["rules_weight"] for r in code_weights(ads) if r["code"] == "TRAF_MOVEMENT"] == [0.05]


def test_phrase_evidence_counts_whole_words_only():
    ads = prepare(_corpus())
    assert phrase_evidence(ads, "De Chauffeur") == {
        "ads": 8,
        "leads": 8,
        "precision": 1.0,
        "ci_low": 0.6756,
        "ci_high": 1.0,
        "lift": 1.909,
        "base_rate": 0.5238,
    }
    assert phrase_evidence(ads, "chauf")["ads"] == 0


@pytest.mark.es
def test_suggestions_command_reads_decisions_from_elasticsearch(es, fresh_index_prefix, accepted_file):
    pairs = _corpus()
    actions = [{"_index": alias("ads", fresh_index_prefix), "_id": ad["id"], "_source": ad} for ad, _ in pairs]
    actions += [
        {"_index": alias("decisions", fresh_index_prefix), "_source": {**d, "ad_id": ad["id"], "user": "a1"}}
        for ad, d in pairs
    ]
    helpers.bulk(es, actions, refresh=True)
    result = CliRunner().invoke(app, ["suggestions", "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert (found["decided"], found["leads"]) == (21, 11)
    assert "met de chauffeur" in {r["phrasing"] for r in found["phrasings"]}
    assert [(r["code"], r["phrasing"]) for r in found["weak_rules"]] == [("TRAF_MOVEMENT", "nieuw in de stad")]
    table = CliRunner().invoke(app, ["suggestions"])
    assert table.exit_code == 0 and "met de chauffeur" in table.output and "TRAF_MOVEMENT" in table.output
