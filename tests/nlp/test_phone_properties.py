"""Phones right by construction: every generated number, in every written shape, with ages, prices,
times, postcodes and dates around it, is read as exactly that number (issue 14, item 1)."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from nlp import lexicon
from nlp.extract.phones import PhoneRules, find_phones
from nlp.normalize import NumberWords, Views
from tests.nlp.helpers import analyze

PROPERTY = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REGIONS = ("NL", "BE", "DE", "FR", "GB")  # contacts.yaml, first region first
TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE)

# Text an ad puts right before or after its number: ages, prices, times, postcodes, dates.
BEFORE = [
    "",
    "Lisa, 23 jaar, bel ",
    "ik ben 22 ",
    "22 ",
    "age 19, call ",
    "€150 per uur ",
    "150,- p/u ",
    "om 21:30 ",
    "3511 AB Utrecht ",
    "12-05-2025 ",
    "12.05.2025: ",
    "(24) ",
    "tot 22:00 bereikbaar op ",
]
AFTER = [
    "",
    " (23 jaar)",
    ", 23",
    " 19yo",
    " (30yo)",
    ". 23 jaar",
    ", €150/u",
    " - 150 p/u",
    ". 140/h",
    " om 21:00",
    " tot 22.00 uur",
    " 3511 AB",
    ", 1012 AB Amsterdam",
    " 12-05-2025",
    " op 12/05",
    " 24/7",
    " I am 33",
]


@st.composite
def valid_numbers(draw, regions=REGIONS):
    """A valid number of a configured region: an example number of a type with random last digits."""
    region = draw(st.sampled_from(regions))
    example = phonenumbers.example_number_for_type(region, draw(st.sampled_from(TYPES)))
    assume(example is not None)
    nsn = str(example.national_number)
    tail = draw(st.integers(0, 9999))
    number = phonenumbers.parse(f"+{example.country_code}{nsn[:-4]}{tail:04d}")
    assume(phonenumbers.is_valid_number(number))
    return region, number


def _grouped(digits: str, sizes: tuple[int, ...], sep: str) -> str:
    out, i = [], 0
    for size in sizes:
        if i < len(digits):
            out.append(digits[i : i + size])
            i += size
    if i < len(digits):
        out.append(digits[i:])
    return sep.join(out)


def international_shapes(number: phonenumbers.PhoneNumber) -> list[str]:
    cc, nsn = str(number.country_code), str(number.national_number)
    return [
        phonenumbers.format_number(number, PhoneNumberFormat.E164),
        phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
        f"00{cc} {nsn}",
        f"00{cc}-{_grouped(nsn, (1, 4, 4), '-')}",
        f"+{cc} (0){_grouped(nsn, (3, 3, 3), ' ')}",
        f"+{cc} {_grouped(nsn, (2, 2, 2, 2), '.')}",
    ]


def national_shapes(number: phonenumbers.PhoneNumber) -> list[str]:
    national = "0" + str(number.national_number)
    return [
        phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL),
        national,
        _grouped(national, (2, 8), "-"),
        _grouped(national, (2, 4, 4), " "),
        _grouped(national, (2, 2, 2, 2, 2), "."),
        _grouped(national, (2, 4, 4), "."),
        _grouped(national, (2, 4, 4), " - "),
        "(" + national[:2] + ") " + _grouped(national[2:], (3, 3, 2), " "),
        " ".join(national),
    ]


def _phones(text: str) -> tuple[list[str], list[dict]]:
    entities = analyze(text)["entities"]
    return entities["phones"], entities["phone_checks"]


@PROPERTY
@given(
    drawn=valid_numbers(),
    shape=st.integers(0, 5),
    before=st.sampled_from(BEFORE),
    after=st.sampled_from(AFTER),
)
def test_every_international_shape_reads_as_exactly_that_number(drawn, shape, before, after):
    _, number = drawn
    written = international_shapes(number)[shape]
    phones, checks = _phones(f"{before}{written}{after}")
    assert phones == [phonenumbers.format_number(number, PhoneNumberFormat.E164)], written
    assert checks == []


@PROPERTY
@given(
    drawn=valid_numbers(regions=("NL",)),
    shape=st.integers(0, 8),
    before=st.sampled_from([*BEFORE, "18+ "]),
    after=st.sampled_from(AFTER),
)
def test_every_national_shape_of_the_first_region_reads_as_exactly_that_number(drawn, shape, before, after):
    _, number = drawn
    written = national_shapes(number)[shape]
    phones, _ = _phones(f"{before}{written}{after}")
    assert phones == [phonenumbers.format_number(number, PhoneNumberFormat.E164)], written


@PROPERTY
@given(
    block=st.sampled_from(["60", "67", "69"]),
    rest=st.integers(0, 9_999_999),
    shape=st.sampled_from(["0{d}", "0{s}", "+31 {s}", "0031{d}"]),
    before=st.sampled_from(BEFORE),
    after=st.sampled_from(AFTER),
)
def test_unassigned_dutch_mobiles_stay_dutch_and_are_flagged(block, rest, shape, before, after):
    nsn = f"{block}{rest:07d}"
    assert not phonenumbers.is_valid_number(phonenumbers.parse("+31" + nsn))
    written = shape.format(d=nsn, s=_grouped(nsn, (1, 2, 2, 2, 2), " "))
    phones, checks = _phones(f"{before}{written}{after}")
    assert phones == ["+31" + nsn], written
    assert checks == [{"phone": "+31" + nsn, "check": "unassigned"}]


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("06 12 34 56 78 (23 jaar)", "+31612345678"),
        ("06.1234.5678 I am 33", "+31612345678"),
        ("(06) 123 456 78 (30yo)", "+31612345678"),
        ("06 - 1234 - 5678", "+31612345678"),
        ("+31 (0)6 1234 5678", "+31612345678"),
        ("0032 470 12 34 56", "+32470123456"),
        ("06 53 08 19 72, 160/h", "+31653081972"),
        ("nul zes - twaalf - vierendertig - zesenvijftig - achtenzeventig", "+31612345678"),
        ("zero six, one two, three four, five six, seven eight", "+31612345678"),
        ("06/12/34/56/78", "+31612345678"),
        ("06 ★ 12 ★ 34 ★ 56 ★ 78", "+31612345678"),
        ("06-1✱ 3✱ ✱0 ✱7, elke ✱ is een 9", "+31619399097"),
        ("06 2x 48 x1 90, replace every x with 7", "+31627487190"),
    ],
)
def test_listed_forms(text, e164):
    assert _phones(text)[0] == [e164]


@pytest.mark.parametrize(
    ("text", "e164", "check"),
    [
        ("Booker: +31 6 7730 1946", "+31677301946", "unassigned"),
        ("+44 7700 913428", "+447700913428", "unassigned"),
        ("+32 470 12 34 56", "+32470123456", None),
    ],
)
def test_explicit_country_codes_are_kept_and_flagged(text, e164, check):
    phones, checks = _phones(text)
    assert phones == [e164]
    assert checks == ([{"phone": e164, "check": check}] if check else [])


@pytest.mark.parametrize(
    "text",
    [
        "wa.me/31612345678",
        "https://wa.me/+31612345678",
        "https://api.whatsapp.com/send?phone=31612345678",
        "tel:+31612345678",
        "tel:0612345678",
        "WhatsApp 31612345678",
        "📞 31 6 12345678",
        "sms: 0031612345678",
    ],
)
def test_contacts_written_as_links_or_without_plus(text):
    assert _phones(text)[0] == ["+31612345678"]


def test_digits_without_plus_outside_a_contact_are_no_number():
    assert _phones("Postcode 31612345678 klopt niet")[0] == []


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("Bel 0478 21 63 90, ontvangst in Antwerpen", "+32478216390"),
        ("Mijn Belgisch nummer: 0486 73 21 54", "+32486732154"),
        ("Ontvangst in Venray, bel 0478 21 63 90", "+31478216390"),
        ("Uit Antwerpen, woon in Eindhoven: 06 41 72 39 80", "+31641723980"),
    ],
)
def test_a_region_the_ad_names_goes_first_for_numbers_valid_there(text, e164):
    assert _phones(text)[0] == [e164]


def _rules(regions: list[str]) -> PhoneRules:
    lex = lexicon.load("contacts", ["nl", "en"])
    return PhoneRules.from_lexicon({**lex, "phones": {**lex["phones"], "regions": regions}})


def _found(text: str, rules: PhoneRules) -> list[str]:
    view = Views(text, NumberWords.from_lexicon(("nl", "en"))).full
    return [f.value for f in find_phones(view, rules)]


US_FIRST = _rules(["US", "NL"])


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("Call 646-389-3950", "+16463893950"),
        ("(647) 795-6797", "+16477956797"),
        ("1-646-389-3950 after 6pm", "+16463893950"),
        ("age 22, 646.389.3950", "+16463893950"),
        ("0612345678", "+31612345678"),
    ],
)
def test_regions_without_a_trunk_zero(text, e164):
    assert _found(text, US_FIRST) == [e164]


@PROPERTY
@given(
    drawn=valid_numbers(regions=("US",)),
    shape=st.sampled_from(
        ["({a}) {b}-{c}", "{a}-{b}-{c}", "{a}.{b}.{c}", "{a} {b} {c}", "+1 {a} {b} {c}", "1-{a}-{b}-{c}"]
    ),
    before=st.sampled_from(["", "call ", "age 22, ", "$150/h ", "at 9:30 "]),
    after=st.sampled_from(["", " (23yo)", ", 23", ". $150/h", " after 6pm"]),
)
def test_every_us_shape_with_us_first(drawn, shape, before, after):
    _, number = drawn
    nsn = str(number.national_number)
    written = shape.format(a=nsn[:3], b=nsn[3:6], c=nsn[6:])
    assert _found(f"{before}{written}{after}", US_FIRST) == [phonenumbers.format_number(number, PhoneNumberFormat.E164)]
