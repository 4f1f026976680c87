"""The advertised person's gender as the ad presents it (issue 18): words, names, pronouns, and the
contexts that are about someone else (clients, negations, a controller)."""

import pytest

from nlp.extract.genders import NameGenders, decide
from tests.nlp.helpers import analyze


def genders(body: str, title: str = "") -> list[str]:
    return analyze(body, title)["entities"]["genders"]


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        # words for the person: nouns, self-descriptions, roles, the abbreviations writers use
        ("", "Lieve dame uit Utrecht, 150 per uur.", ["female"]),
        ("", "Sweet girl in Breda, text me.", ["female"]),
        ("", "Jongen van 24 uit Zwolle.", ["male"]),
        ("Mature man – Venlo", "Calm and friendly.", ["male"]),
        ("", "Ervaren masseur in Arnhem.", ["male"]),
        ("TS Kimberly 24/7", "Rotterdam Centrum.", ["trans"]),
        ("", "Transvrouw Lara, een echte dame.", ["trans"]),  # a trans word stands for the person alone
        ("", "TV Monique in Tilburg.", ["trans"]),
        # several persons: every gender presented
        ("", "Een jongen en een meisje, samen of apart.", ["male", "female"]),
    ],
)
def test_words_for_the_person_decide(title, body, expected):
    assert genders(body, title) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Marco, 28, Utrecht. Voor heren en dames.", ["male"]),  # the clients, not the person
        ("Max, 33, Haarlem. Companion for women and couples.", ["male"]),
        ("Hoi heren, ik ben Lisa uit Gouda.", ["female"]),  # an address to the clients
        ("Lisa, 25, Delft. Heren welkom.", ["female"]),
        ("Jochem, 33. Dames en stellen zijn welkom.", ["male"]),
        ("Emma, 19. Ik zoek een oudere man die voor me zorgt.", ["female"]),
        ("Geen mannen. Anna, 22, Emmen.", ["female"]),  # negated
        ("Ljuba, Zwijndrecht. Afspraak via mijn man, hij regelt alles.", ["female"]),  # someone else
        ("Ik kijk graag tv en lees boeken. Sanne, 30.", ["female"]),  # "tv" in lower case is a television
    ],
)
def test_clients_negations_and_others_do_not_count(body, expected):
    assert genders(body) == expected


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        ("Mats 18 Tilburg", "Mats, 18, Tilburg. Bel 06 48 31 92 06.", ["male"]),
        ("", "kyra, 22, vlaardingen. snap kyra.vldn", ["female"]),  # a name in lower case, first in the body
        ("", "hoi ik ben annika uit lelystad", ["female"]),  # after a name cue, any case
        ("", "Lisa (22) en Mark (25) uit Leiden.", ["female", "male"]),
        ("", "Denise, 26. Afspraken via mijn vriend Ahmed.", ["female"]),  # his name is not the person's
        ("Dag en nacht bereikbaar", "Carla, 33, Dordrecht.", ["female"]),  # "Dag" is a word here, not a name
        ("Roos | Amersfoort", "My name is Roos, I'm age 20.", ["female"]),  # "age" after "I'm" is no name
        ("", "hi i'm aged 24, from breda", []),  # nor without a capitalised name
    ],
)
def test_first_names_decide_where_no_word_does(title, body, expected):
    assert genders(body, title) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Zij is lief en spreekt alleen Engels.", ["female"]),
        ("He speaks only Romanian, contact through his manager.", ["male"]),
        ("Lang blond haar, Rotterdam.", []),  # "haar" after a hair word is hair
        ("Bel 06 12345678 voor een afspraak.", []),  # nothing presented: unknown
    ],
)
def test_pronouns_decide_last(body, expected):
    assert genders(body) == expected


def test_name_list_prefers_the_countries_configured():
    names = NameGenders(("the_netherlands", "belgium"))
    assert [names.gender(n) for n in ("Daan", "Sanne", "Kyra", "Luuk")] == ["male", "female", "female", "male"]
    assert names.gender("Xyzzyq") is None


def test_decide_orders_evidence():
    words = [("female", 10, 14), ("trans", 0, 2)]
    assert decide(words, [("male", 5, 9)], []) == [("trans", 0, 2)]
    assert decide([], [("male", 5, 9), ("female", 1, 4)], [("female", 20, 23)]) == [("female", 1, 4), ("male", 5, 9)]
    assert decide([], [], [("male", 1, 3), ("female", 5, 8), ("male", 9, 11)]) == [("male", 1, 3), ("male", 9, 11)]
    assert decide([], [], []) == []
