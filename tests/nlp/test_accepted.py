"""Accepted proposals: an append-only overlay merged into the lexicons, part of the analysis version."""

import pytest
import yaml

from nlp import accepted, lexicon
from nlp.accepted import ProposalError
from nlp.pipeline import reload_rules
from nlp.version import analysis_version
from tests.nlp.helpers import analyze, codes

BODY = "Mila, 24 jaar. Afspraken in een pension aan de rand van de stad."


@pytest.fixture
def rules_follow_the_overlay(accepted_file):
    """Pipelines rebuilt from the test's overlay file, and rebuilt again without it afterwards."""
    reload_rules()
    yield accepted_file
    accepted_file.unlink(missing_ok=True)
    reload_rules()


def test_an_accepted_term_fires_and_changes_the_analysis_version(rules_follow_the_overlay):
    before_version = analysis_version()
    assert "TRAF_HOTEL" not in codes(analyze(BODY))
    entry = accepted.append({"action": "add_term", "code": "TRAF_HOTEL", "term": "in een  pension", "by": "ml1"})
    assert entry["term"] == "in een pension" and entry["id"].startswith("p-") and entry["at"].endswith("Z")
    assert rules_follow_the_overlay in lexicon.sources()
    assert "in een pension" in lexicon.load("indicators", ["nl", "en"])["codes"]["TRAF_HOTEL"]["terms"]
    reload_rules()
    after = analyze(BODY)
    [hit] = [i for i in after["indicators"] if i["code"] == "TRAF_HOTEL"]
    assert BODY[hit["start"] : hit["end"]] == "in een pension"
    assert after["nlp_version"] == analysis_version() != before_version

    accepted.append({"action": "withdraw", "withdraws": entry["id"], "by": "ml2"})
    reload_rules()
    assert "TRAF_HOTEL" not in codes(analyze(BODY))
    assert [e["action"] for e in accepted.entries()] == ["add_term", "withdraw"]  # nothing erased
    assert accepted.effective() == []


def test_an_accepted_exclusion_stops_a_lexicon_phrasing(rules_follow_the_overlay):
    body = "Nieuw in de stad, rustige afspraak."
    assert "TRAF_MOVEMENT" in codes(analyze(body))
    accepted.append({"action": "exclude", "code": "TRAF_MOVEMENT", "term": "nieuw in de stad", "by": "ml1"})
    reload_rules()
    assert "TRAF_MOVEMENT" not in codes(analyze(body))
    assert "TRAF_MOVEMENT" in codes(analyze("Net aangekomen, deze week in Utrecht."))  # other phrasings still fire


def test_the_file_stays_one_yaml_list_and_keeps_words_as_words(accepted_file):
    accepted.append({"action": "add_term", "code": "TRAF_RESTRICTED", "term": "no", "by": "ml1"})
    accepted.append({"action": "weight", "code": "TRAF_MOVEMENT", "weight": "0.1", "by": "ml1", "evidence": {"ads": 9}})
    text = accepted_file.read_text(encoding="utf-8")
    assert text.startswith("# Proposals accepted")
    data = yaml.safe_load(text)
    assert [e["action"] for e in data] == ["add_term", "weight"]
    assert data[0]["term"] == "no"  # quoted on write: a word, not the boolean false
    assert data[1]["weight"] == 0.1 and data[1]["evidence"] == {"ads": 9} and data[1]["by"] == "ml1"
    assert accepted.weights() == {"TRAF_MOVEMENT": 0.1}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"action": "rename", "code": "TRAF_HOTEL", "by": "a"}, "unknown action"),
        ({"action": "add_term", "code": "TRAF_HOTEL", "term": "x"}, "who accepted"),
        ({"action": "add_term", "code": "hotel", "term": "x", "by": "a"}, "not an indicator code"),
        ({"action": "add_term", "code": "TRAF_HOTEL", "term": "  ", "by": "a"}, "1 to 120 characters"),
        ({"action": "add_term", "code": "TRAF_HOTEL", "term": "x" * 121, "by": "a"}, "1 to 120 characters"),
        ({"action": "weight", "code": "TRAF_HOTEL", "weight": 1.0, "by": "a"}, "below 1"),
        ({"action": "weight", "code": "TRAF_HOTEL", "weight": "heavy", "by": "a"}, "must be a number"),
        ({"action": "withdraw", "withdraws": "p-000000000000", "by": "a"}, "no proposal"),
    ],
)
def test_bad_proposals_are_refused_and_nothing_is_written(accepted_file, entry, message):
    with pytest.raises(ProposalError, match=message):
        accepted.append(entry)
    assert accepted.entries() == []


def test_a_stale_code_in_the_file_is_ignored_not_fatal(rules_follow_the_overlay):
    rules_follow_the_overlay.parent.mkdir(parents=True, exist_ok=True)
    rules_follow_the_overlay.write_text(
        "- {id: p-1, action: add_term, code: TRAF_RETIRED, term: pension, by: a, at: x}\n", encoding="utf-8"
    )
    reload_rules()
    assert "TRAF_RETIRED" not in lexicon.load("indicators", ["nl"])["codes"]
    assert analyze(BODY)["indicators"] is not None


def test_a_broken_file_is_a_clear_error(accepted_file):
    accepted_file.parent.mkdir(parents=True, exist_ok=True)
    accepted_file.write_text("- action: [unclosed\n", encoding="utf-8")
    with pytest.raises(ProposalError, match="not valid YAML"):
        accepted.entries()
