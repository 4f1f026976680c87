"""Indicator codes: common phrasings fire, negations and disclaimers do not, spans index the field."""

import pytest

from nlp.lexicon import codes as code_table
from tests.nlp.helpers import analyze, codes

LINK_LEVEL = {"MINOR_AGE_INCONSISTENT", "TRAF_SHARED_CONTACT", "TRAF_TEMPLATE_TEXT"}

POSITIVE = [
    ("MINOR_STATED_AGE", "Ik ben 16 jaar"),
    ("MINOR_STATED_AGE", "seventeen yo"),
    ("MINOR_BORDERLINE_AGE", "18 jr"),
    ("MINOR_BORDERLINE_AGE", "I am nineteen"),
    ("MINOR_YOUTH_TERMS", "jonge meid uit Utrecht"),
    ("MINOR_YOUTH_TERMS", "net 18 geworden"),
    ("MINOR_YOUTH_TERMS", "sweet teen"),
    ("MINOR_YOUTH_TERMS", "jongge meid"),
    ("MINOR_SCHOOL_REFERENCE", "beschikbaar na school"),
    ("MINOR_SCHOOL_REFERENCE", "zit op de havo"),
    ("MINOR_SCHOOL_REFERENCE", "free after class"),
    ("MINOR_CODE_EMOJI", "Lisa 🍒"),
    ("MINOR_CODE_EMOJI", "🎒🧸"),
    ("TRAF_THIRD_PERSON", "Zij is lief en spontaan"),
    ("TRAF_THIRD_PERSON", "my girl is waiting"),
    ("TRAF_THIRD_PERSON", "Ik regel haar afspraken"),
    ("TRAF_MULTIPLE_PERSONS", "2 vriendinnen samen"),
    ("TRAF_MULTIPLE_PERSONS", "our ladies welcome you"),
    ("TRAF_MULTIPLE_PERSONS", "drie dames aanwezig"),
    ("TRAF_MOVEMENT", "nieuw in de stad"),
    ("TRAF_MOVEMENT", "this week only"),
    ("TRAF_MOVEMENT", "net aangekomen"),
    ("TRAF_HOTEL", "alleen hotel"),
    ("TRAF_HOTEL", "hotel visits only"),
    ("TRAF_HOTEL", "enkel hotelbezoeken"),
    ("TRAF_AVAILABILITY_24_7", "24/7 bereikbaar"),
    ("TRAF_AVAILABILITY_24_7", "dag en nacht"),
    ("TRAF_AVAILABILITY_24_7", "24u/7d"),
    ("TRAF_LANGUAGE_BARRIER", "spreekt geen Nederlands"),
    ("TRAF_LANGUAGE_BARRIER", "no English"),
    ("TRAF_LANGUAGE_BARRIER", "Nederlands niet"),
    ("TRAF_RESTRICTED", "afspraak via manager"),
    ("TRAF_RESTRICTED", "bel de chauffeur"),
    ("TRAF_RESTRICTED", "bookings through my manager"),
    ("TRAF_LOW_PRICE", "goedkoop"),
    ("TRAF_LOW_PRICE", "only 30"),
    ("TRAF_LOW_PRICE", "€40 per uur"),
    ("TRAF_CASH_GIFTS", "in ruil voor cadeaus"),
    ("TRAF_CASH_GIFTS", "sugar daddy gezocht"),
    ("TRAF_CASH_GIFTS", "shopping instead of cash"),
    ("TRAF_NEW_ARRIVALS", "elke week nieuwe meiden"),
    ("TRAF_NEW_ARRIVALS", "new girls every week"),
    ("TRAF_UNPROTECTED", "zonder condoom mogelijk"),
    ("TRAF_UNPROTECTED", "unprotected ok"),
    ("TRAF_OBFUSCATED_CONTACT", "bel nul zes een twee drie vier vijf zes zeven acht"),
    ("TRAF_OBFUSCATED_CONTACT", "lisa [at] example (dot) com"),
]

NEGATIVE = [
    ("TRAF_HOTEL", "geen hotels"),
    ("TRAF_HOTEL", "no hotel visits"),
    ("TRAF_HOTEL", "hotels niet"),
    ("TRAF_AVAILABILITY_24_7", "niet 24/7"),
    ("TRAF_AVAILABILITY_24_7", "not 24/7"),
    ("MINOR_BORDERLINE_AGE", "alle dames 18+"),
    ("MINOR_STATED_AGE", "no minors, all ladies are over 18"),
    ("MINOR_YOUTH_TERMS", "25 jaar jong"),
    ("TRAF_MOVEMENT", "niet op doorreis"),
    ("TRAF_MOVEMENT", "not touring"),
    ("TRAF_CASH_GIFTS", "geen cadeaus"),
    ("TRAF_CASH_GIFTS", "no sugar daddies"),
    ("TRAF_UNPROTECTED", "nooit zonder condoom"),
    ("TRAF_UNPROTECTED", "altijd met bescherming"),
    ("TRAF_LOW_PRICE", "niet goedkoop"),
    ("TRAF_LOW_PRICE", "€150 per uur"),
    ("TRAF_NEW_ARRIVALS", "geen nieuwe meiden"),
    ("TRAF_MULTIPLE_PERSONS", "alle dames 18+"),
    ("TRAF_RESTRICTED", "ik neem zelf op"),
    ("MINOR_SCHOOL_REFERENCE", "studente aan de hogeschool"),
    ("TRAF_OBFUSCATED_CONTACT", "Bel 06-12345678"),
]


@pytest.mark.parametrize(("code", "text"), POSITIVE)
def test_phrasings_fire(code, text):
    assert code in codes(analyze(text))


@pytest.mark.parametrize(("code", "text"), NEGATIVE)
def test_negations_and_disclaimers_do_not_fire(code, text):
    assert code not in codes(analyze(text))


def test_every_ad_level_code_has_a_positive_example():
    ad_level = set(code_table()) - LINK_LEVEL
    assert ad_level == {code for code, _ in POSITIVE}


def test_indicator_shape_and_spans():
    title = "Nieuw in Utrecht 🍒"
    body = "Ｌisa, zeventien jaar.\nAlleen hotel, dag en nacht. Bel nul zes een twee drie vier vijf zes zeven acht"
    result = analyze(body, title=title)
    fields = {"title": title, "body": body}
    meta = code_table()
    assert {"MINOR_STATED_AGE", "TRAF_MOVEMENT", "MINOR_CODE_EMOJI", "TRAF_HOTEL"} <= codes(result)
    for ind in result["indicators"]:
        assert set(ind) == {"code", "category", "field", "start", "end", "text", "weight"}
        assert fields[ind["field"]][ind["start"] : ind["end"]] == ind["text"]
        assert ind["category"] == meta[ind["code"]]["category"]
        assert ind["weight"] == float(meta[ind["code"]]["weight"])
    age = next(i for i in result["indicators"] if i["code"] == "MINOR_STATED_AGE")
    assert age["field"] == "body" and age["text"] == "zeventien jaar"


def test_lexicon_rejects_unknown_codes(tmp_path, monkeypatch):
    import spacy

    from nlp import components, lexicon

    monkeypatch.setattr(lexicon, "load", lambda kind, langs: {"codes": {"NOT_A_CODE": {"terms": ["x"]}}})
    with pytest.raises(ValueError, match="NOT_A_CODE"):
        components.make_indicators(spacy.blank("nl"), "indicators", ["nl"])
