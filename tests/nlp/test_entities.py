"""Ages, prices, locations, names, nationalities and genders."""

import pytest

from tests.nlp.helpers import analyze


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("Ik ben Lisa, 19 jaar", [19]),
        ("Lisa (22) uit Utrecht", [22]),
        ("Lisa, 24, Utrecht", [24]),
        ("ik ben zeventien", [17]),
        ("zestien jaar oud", [16]),
        ("eenentwintig jr", [21]),
        ("Hi, I'm Anna, twenty-two years old", [22]),
        ("age: 19", [19]),
        ("19yo from Utrecht", [19]),
        ("een 19-jarige dame", [19]),
        ("net 18 geworden", [18]),
        ("Anna here, nineteen.", [19]),
    ],
)
def test_ages_claimed(text, ages):
    assert analyze(text)["entities"]["ages"] == ages


@pytest.mark.parametrize(
    "text",
    [
        "alle dames 18+",
        "alleen 18+",
        "vanaf 18 jaar",
        "minimaal 18 jaar",
        "18 jaar en ouder welkom",
        "all ladies are over 18",
        "leeftijd 18-25 jaar",
        "€150 per uur, 19:00 tot 23:00",
        "10 jaar ervaring",
        "beschikbaar 24/7",
        "postcode 3511 AB",
        "SC: lisa_19",
        "mail lisa19@example.com",
        "Bel 06-12345678",
        "open 12.00 - 22.00",
    ],
)
def test_not_ages(text):
    assert analyze(text)["entities"]["ages"] == []


@pytest.mark.parametrize(
    ("text", "price"),
    [
        ("€150 per uur", {"amount": 150, "currency": "EUR", "per": "hour"}),
        ("150,- p/u", {"amount": 150, "currency": "EUR", "per": "hour"}),
        ("half uur: €80", {"amount": 80, "currency": "EUR", "per": "half_hour"}),
        ("uurtarief 120 euro", {"amount": 120, "currency": "EUR", "per": "hour"}),
        ("200 eur/hr", {"amount": 200, "currency": "EUR", "per": "hour"}),
        ("€ 250 voor de hele nacht", {"amount": 250, "currency": "EUR", "per": "night"}),
        ("£100 an hour", {"amount": 100, "currency": "GBP", "per": "hour"}),
    ],
)
def test_prices(text, price):
    assert analyze(text)["entities"]["prices"] == [price]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("ontvangst in Den Haag", "'s-Gravenhage"),
        ("in The Hague", "'s-Gravenhage"),
        ("regio 's-Gravenhage", "'s-Gravenhage"),
        ("uit Den Bosch", "'s-Hertogenbosch"),
        ("Nieuw in Utrecht", "Utrecht"),
        ("in Zaandam centrum", "Zaanstad"),
        ("omgeving Hoofddorp", "Haarlemmermeer"),
        ("in Súdwest-Fryslân", "Súdwest-Fryslân"),
        ("uit Sneek", "Súdwest-Fryslân"),
        ("regio Best", "Best"),
    ],
)
def test_locations_canonical_with_coordinates(text, name):
    (location,) = analyze(text)["entities"]["locations"]
    assert location["name"] == name
    assert 50.7 < location["lat"] < 53.6 and 3.3 < location["lon"] < 7.3


@pytest.mark.parametrize(
    "text",
    ["de beste prijs", "Best prijs ooit", "we leiden je rond", "Goes well with tea", "mail utrecht.lisa@example.com"],
)
def test_words_that_are_also_places(text):
    assert analyze(text)["entities"]["locations"] == []


def test_names_nationalities_genders():
    result = analyze(
        "Hoi, ik ben Lisa, een Roemeense dame. Mijn vriendin Eva is er ook. Spreekt geen Nederlands.",
        title="Lisa (23) in Utrecht",
    )
    ents = result["entities"]
    assert set(ents["names"]) == {"Lisa", "Eva"}
    assert ents["nationalities"] == ["Romanian"]  # "Nederlands" after "spreekt geen" is a language
    assert ents["genders"] == ["female"]


def test_name_that_is_also_a_place():
    ents = analyze("Mijn naam is Adam, 30 jaar, in regio Utrecht", title="Adam - Utrecht")["entities"]
    assert ents["names"] == ["Adam"]
    assert [loc["name"] for loc in ents["locations"]] == ["Utrecht"]
