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


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("fenna 17 leeuwarden. snap fennaa.lw", [17]),  # the profile line, in lower case
        ("Jenny, trans, 27, Den Bosch.", [27]),
        ("Annelies, Zwolle. 42. Rustig en warm.", [42]),
        ("I turned eighteen last week", [18]),
        ("Celebrated my 18th birthday last month", [18]),
    ],
)
def test_ages_in_the_profile_line_and_other_cues(text, ages):
    assert analyze(text)["entities"]["ages"] == ages


@pytest.mark.parametrize(
    "text",
    [
        "Bel na 22, niet eerder",
        "Kamer 12 op de eerste verdieping",
        "Hoofdstraat 12, Utrecht",
        "Open ma-za 12-24",
        "12 dames aanwezig",
        "waar ik al twintig jaar woon",
        "half uur 60, uur 90",
    ],
)
def test_profile_slot_refuses_times_addresses_counts_and_prices(text):
    assert analyze(text)["entities"]["ages"] == []


@pytest.mark.parametrize(
    ("text", "prices"),
    [
        ("Uur 140, half uur 90.", [(140, "hour"), (90, "half_hour")]),
        ("40 half hour, 70 hour", [(40, "half_hour"), (70, "hour")]),
        ("160 p/u, 300 voor 2 uur", [(160, "hour"), (300, "visit")]),
        ("Avond (3 uur) € 450", [(450, "visit")]),
        ("25 for 15 minutes, 45 for half an hour", [(25, "quarter_hour"), (45, "half_hour")]),
        ("250 per hour, 1200 overnight", [(250, "hour"), (1200, "night")]),
    ],
)
def test_prices_with_durations_as_slots(text, prices):
    found = analyze(text)["entities"]["prices"]
    assert [(p["amount"], p["per"]) for p in found] == prices


@pytest.mark.parametrize("text", ["Open van 10 tot 22 uur", "vanaf 12 uur bereikbaar", "based in 1049 HR Amsterdam"])
def test_times_and_postcodes_are_no_prices(text):
    assert analyze(text)["entities"]["prices"] == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("fenna 17 leeuwarden", "Leeuwarden"),  # lower case
        ("Rotterdam-Charlois, 130 per uur", "Rotterdam"),  # joined to a district
        ("regio Groningen/Drenthe", "Groningen"),
        ("Meike 17 Hoorn", "Hoorn"),  # an ambiguous name after an age
        ("in Zwolle and Kampen", "Kampen"),  # in a list of places
    ],
)
def test_places_in_lower_case_and_joined_words(text, name):
    assert name in [loc["name"] for loc in analyze(text)["entities"]["locations"]]


@pytest.mark.parametrize("text", ["om te leiden", "exams soon", "echt 18", "Anne, 31, born in Rotterdam"])
def test_everyday_words_are_no_places(text):
    names = [loc["name"] for loc in analyze(text)["entities"]["locations"]]
    assert not {"Leiden", "Son en Breugel", "Echt-Susteren", "Bergen (NH)"} & set(names)
