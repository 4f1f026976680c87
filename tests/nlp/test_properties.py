"""Property tests: arbitrary text never crashes analysis and every span is a true slice of its field."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nlp
from tests.nlp.helpers import TEXT


def check_spans(record, out):
    for ind in out["indicators"]:
        field = record.get(ind["field"])
        assert isinstance(field, str)
        assert 0 <= ind["start"] < ind["end"] <= len(field)
        assert field[ind["start"] : ind["end"]] == ind["text"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.one_of(st.none(), TEXT), body=st.one_of(st.none(), TEXT))
def test_any_text_gives_valid_spans(title, body):
    record = {"id": "prop:1", "title": title, "body": body}
    (out,) = nlp.analyze([record])
    assert out["id"] == "prop:1"
    check_spans(record, out)
    for phone in out["entities"]["phones"]:
        assert phone.startswith("+") and phone[1:].isdigit()
    for age in out["entities"]["ages"]:
        assert isinstance(age, int)


@pytest.mark.slow
def test_one_megabyte_body():
    unit = "Hoi, ik ben Lisa (23) uit Utrecht. Bel 06-12345678, alleen hotel, geen 24/7. 🍒 nul zes "
    body = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    record = {"id": "big:1", "title": "groot", "body": body}
    (out,) = nlp.analyze([record])
    assert out["entities"]["phones"][0] == "+31612345678"
    check_spans(record, out)


@pytest.mark.slow
def test_digit_and_unicode_soup():
    body = ("0 6 1 2 ３ 4 O l | 5 6 - 7 8 9 0 " * 8_000)[:200_000]
    (out,) = nlp.analyze([{"id": "big:2", "body": body}])
    check_spans({"body": body}, out)
