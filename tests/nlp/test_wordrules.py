"""Indicator rules that generalise: stems, compounds, look-alike and spelled-out words, slots, gaps,
clauses, and negations that still cancel them (issue 14, item 3)."""

import pytest

from nlp.extract.wordrules import Rule, WordRules, compile_rule, leet_layer, words_of
from nlp.normalize import NumberWords, Views
from tests.nlp.helpers import analyze, codes

SETS = {"only": ["alleen", "only"], "women": ["=dames", "=ladies"]}


NUMBERS = NumberWords.from_lexicon(("nl", "en"))


def _find(rule_text: str, text: str, lang: str | None = None) -> list[str]:
    """The published text of every match of one rule."""
    rules = WordRules([compile_rule("TRAF_HOTEL", rule_text, SETS, lang)], frozenset(NUMBERS.values))
    words = words_of(Views(text, NUMBERS).chars)
    spans = [words.to_source(a, b) for _, a, b in rules.find(words)]
    return [text[start:end] for start, end in spans]


@pytest.mark.parametrize(
    ("rule", "text", "found"),
    [
        ("hotel", "alleen hotels", ["hotels"]),  # the stem, not the exact word
        ("hotel*", "hotelkamers en hotelletjes", ["hotelkamers", "hotelletjes"]),  # compounds
        ("*meisje", "een schoolmeisje", ["schoolmeisje"]),
        ("@only {0,3} hotel*", "ik kom alleen naar je hotel", ["alleen naar je hotel"]),
        ("@only {0,3} hotel*", "Incall only, no hotels", []),  # a gap never crosses a clause
        ("@only {0,3} hotel*", "Only at home. Hotels: never", []),  # nor a sentence
        ("<NUM> @women", "twee dames en 3 ladies", ["twee dames", "3 ladies"]),
        ("=manager", "my manager will manage", ["manager"]),  # "=": that word only
        ("school", "sch00l", ["sch00l"]),  # digits that imitate letters
        ("jong", "heel j o n g", ["j o n g"]),  # letters written one by one
        ("niet alle? dames", "niet dames, niet alle dames", ["niet dames", "niet alle dames"]),
    ],
)
def test_rule_elements(rule, text, found):
    assert _find(rule, text) == found


def test_a_rule_is_stemmed_in_the_language_of_its_file():
    assert _find("spreekt", "zij spreekt", "nl") == ["spreekt"]
    assert _find("speaks", "she speaks", "en") == ["speaks"]


def test_leet_layer_reads_only_words_that_are_mostly_letters():
    assert leet_layer("h0tel t33n 06123 24u 18jr").text == "hotel teen 06123 24u 18jr"


@pytest.mark.parametrize("spec", ["{0,2} hotel", "hotel? only", "<FOO> hotel", "@missing hotel"])
def test_malformed_rules_are_refused(spec):
    with pytest.raises(ValueError):
        compile_rule("TRAF_HOTEL", spec, SETS, None)


def test_rules_are_compared_by_identity():
    a = compile_rule("TRAF_HOTEL", "hotel", SETS, None)
    b = Rule(a.code, a.elements, a.source)
    assert a != b and len({a, b}) == 2


# Phrasings no lexicon term lists, each found by a rule through the pipeline, and the same
# phrasings negated or disclaimed, which must not fire.
GENERAL = [
    ("TRAF_HOTEL", "Ik kom uitsluitend naar je hotelkamer in Utrecht"),
    ("TRAF_UNPROTECTED", "Bescherming is geen vereiste"),
    ("TRAF_UNPROTECTED", "Protection: not a must"),
    ("TRAF_MOVEMENT", "Vijf dagen in Arnhem, daarna verder"),
    ("TRAF_MOVEMENT", "In Zwolle for 3 nights only"),
    ("TRAF_RESTRICTED", "Her boyfriend arranges all meetings"),
    ("TRAF_RESTRICTED", "Mijn neef regelt de afspraken en het geld"),
    ("TRAF_LANGUAGE_BARRIER", "Ze spreken alleen Portugees"),
    ("TRAF_CASH_GIFTS", "zoek iemand die mijn telefoonrekening betaalt"),
    ("TRAF_NEW_ARRIVALS", "Fresh faces join the team every week"),
    ("TRAF_MULTIPLE_PERSONS", "Lucy and Mona are available in Schiedam"),
    ("TRAF_THIRD_PERSON", "Posting for my sister, she is new here"),
    ("MINOR_YOUTH_TERMS", "nog maar net volwassen"),
    ("MINOR_SCHOOL_REFERENCE", "alleen na het laatste uur, toetsweek"),
]
NEGATED = [
    ("TRAF_HOTEL", "Bij jou thuis of in een hotel, allebei prima"),
    ("TRAF_HOTEL", "Incall at my own place only, no hotels"),
    ("TRAF_HOTEL", "Hotelbezoek doe ik niet, je bent welkom bij mij thuis"),
    ("TRAF_UNPROTECTED", "Protection is required, not optional"),
    ("TRAF_RESTRICTED", "Geen manager, ik regel alles zelf"),
    ("TRAF_RESTRICTED", "nobody manages me or takes my money"),
    ("TRAF_LANGUAGE_BARRIER", "geen tolk nodig, ik spreek gewoon Nederlands"),
    ("TRAF_LANGUAGE_BARRIER", "I work as a translator"),
    ("TRAF_CASH_GIFTS", "alleen contant, geen cadeautjes of 'sponsors'"),
    ("TRAF_NEW_ARRIVALS", "Same girl every time: no new faces every week"),
    ("MINOR_YOUTH_TERMS", "moeder van twee tieners"),
    ("MINOR_SCHOOL_REFERENCE", "als mijn kinderen op school zitten"),
    ("TRAF_AVAILABILITY_24_7", "coffee always ready"),
]


@pytest.mark.parametrize(("code", "text"), GENERAL)
def test_general_phrasings_fire(code, text):
    assert code in codes(analyze(text))


@pytest.mark.parametrize(("code", "text"), NEGATED)
def test_negated_and_disclaimed_phrasings_do_not_fire(code, text):
    assert code not in codes(analyze(text))
