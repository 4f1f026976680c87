"""Phones (E.164, obfuscated forms), e-mails and handles."""

import pytest

from tests.nlp.helpers import analyze, codes


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("Bel 06-12345678", "+31612345678"),
        ("Tel: 06 1234 5678", "+31612345678"),
        ("+31 6 12345678", "+31612345678"),
        ("+31(0)6 1234 5678", "+31612345678"),
        ("0031 6 1234 5678", "+31612345678"),
        ("06.12.34.56.78", "+31612345678"),
        ("Belgisch nummer 0470 12 34 56", "+32470123456"),
        ("Duits: +49 151 1234 5678", "+4915112345678"),
    ],
)
def test_plain_phone_forms(text, e164):
    result = analyze(text)
    assert result["entities"]["phones"] == [e164]
    assert "TRAF_OBFUSCATED_CONTACT" not in codes(result)


@pytest.mark.parametrize(
    "text",
    [
        "bel nul zes een twee drie vier vijf zes zeven acht",
        "call zero six one two three four five six seven eight",
        "O6-l2345678",
        "0 6 1 2 3 4 5 6 7 8",
        "0️⃣6️⃣1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣7️⃣8️⃣",
        "06 1234 (plakken) 5678",
        "begint met 061234, daarna 5678",
        "plus drie een 612345678",
        "０６１２３４５６７８",
    ],
)
def test_obfuscated_phone_forms(text):
    result = analyze(text)
    assert result["entities"]["phones"] == ["+31612345678"]
    indicator = next(i for i in result["indicators"] if i["code"] == "TRAF_OBFUSCATED_CONTACT")
    assert text[indicator["start"] : indicator["end"]] == indicator["text"]


def test_phones_are_deduplicated_and_separated():
    result = analyze("Bel 06-12345678 of 06 12345678. Ik ben 22 0687654321")
    assert result["entities"]["phones"] == ["+31612345678", "+31687654321"]


def test_disclaimer_plus_before_a_number_is_not_a_country_code():
    assert analyze("alle dames 18+ 0612345678")["entities"]["phones"] == ["+31612345678"]


@pytest.mark.parametrize(
    ("text", "email", "obfuscated"),
    [
        ("Mail: Lisa.Voorbeeld@Example.com", "lisa.voorbeeld@example.com", False),
        ("mail lisa [at] voorbeeld (dot) nl", "lisa@voorbeeld.nl", True),
        ("lisa(at)voorbeeld(punt)nl", "lisa@voorbeeld.nl", True),
        ("lisa at voorbeeld dot com", "lisa@voorbeeld.com", True),
        ("lisa @ example.org", "lisa@example.org", False),
    ],
)
def test_emails(text, email, obfuscated):
    result = analyze(text)
    assert result["entities"]["emails"] == [email]
    assert ("TRAF_OBFUSCATED_CONTACT" in codes(result)) is obfuscated


def test_prose_at_is_not_an_email():
    assert analyze("meet at noon. See you at the station")["entities"]["emails"] == []


@pytest.mark.parametrize(
    ("text", "platform", "handle"),
    [
        ("SC: lisa_21", "snapchat", "lisa_21"),
        ("snap » lisa.x", "snapchat", "lisa.x"),
        ("Telegram @LisaNL", "telegram", "lisanl"),
        ("TG: lisa_nl", "telegram", "lisa_nl"),
        ("insta: lisa.official", "instagram", "lisa.official"),
        ("IG lisaofficial", "instagram", "lisaofficial"),
        ("OF: @lisa22", "onlyfans", "lisa22"),
        ("0F: @lisa22", "onlyfans", "lisa22"),
        ("kik - lisa_x", "kik", "lisa_x"),
        ("Ook op @lisa.nl (Telegr.)", "telegram", "lisa.nl"),
        ("t.me/lisa_nl", "telegram", "lisa_nl"),
        ("Volg @lisa_nl", "unknown", "lisa_nl"),
    ],
)
def test_handles(text, platform, handle):
    assert analyze(text)["entities"]["handles"] == [{"platform": platform, "handle": handle}]


@pytest.mark.parametrize(
    "text",
    [
        "WhatsApp: 06 12345678",  # a phone, not a handle
        "koffie of thee",  # Dutch "of" is not OnlyFans
        "snap je het?",
        "Whatsapp: nul zes een twee drie vier vijf zes zeven acht",
        "mail lisa@example.com",  # the @ of an e-mail is not a handle
    ],
)
def test_not_handles(text):
    assert analyze(text)["entities"]["handles"] == []


@pytest.mark.parametrize(
    ("text", "platform", "handle"),
    [
        ("snap: j e t t i e _ 0 2", "snapchat", "jettie_02"),  # letters one by one
        ("Telegram: n.o.e.m.i_m.s.t (zonder puntjes)", "telegram", "noemi_mst"),
        ("insta: rosie (dot) blue (underscore) nl", "instagram", "rosie.blue_nl"),
        ("Telegram t.me/carmen_amf", "telegram", "carmen_amf"),  # the link, not "t.me" as a handle
        ("dm @bo.hgl on snap", "snapchat", "bo.hgl"),  # the label after the handle
        ("add z e y n e p . z d m on snap", "snapchat", "zeynep.zdm"),
        ("App 06 19 47 28 30 of insta @amira.ts", "instagram", "amira.ts"),  # "of" hides no label after it
        ("WhatsApp username @mirella_emmen", "whatsapp", "mirella_emmen"),
        ("tiktok.com/@kiara.dbs", "tiktok", "kiara.dbs"),
        ("X: @abby_grn", "twitter", "abby_grn"),
    ],
)
def test_handles_written_to_evade_or_as_links(text, platform, handle):
    assert {"platform": platform, "handle": handle} in analyze(text)["entities"]["handles"]


@pytest.mark.parametrize(
    "text",
    [
        "Alleen WhatsApp berichten +34 622 418 937",
        "Please WhatsApp her sister",
        "SHOPPING INSTEAD OF CASH",
        "💬 WhatsApp welcome",
    ],
)
def test_words_after_a_label_are_no_handles(text):
    assert analyze(text)["entities"]["handles"] == []


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("Write to j.u.n.o (at) postvogel (dot) com", "juno@postvogel.com"),
        ("thijs.escort [apenstaart] postbode [punt] nl", "thijs.escort@postbode.nl"),
        ("eline.hsum#grachtmail.com (vervang # door @)", "eline.hsum@grachtmail.com"),
    ],
)
def test_obfuscated_emails(text, email):
    result = analyze(text)
    assert result["entities"]["emails"] == [email]
    assert "TRAF_OBFUSCATED_CONTACT" in codes(result)
