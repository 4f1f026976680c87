"""The advertised person's gender as the ad presents it: words for the person, else names, else pronouns.

An ad presents its person (or persons) in its own words: "lieve dame", "jongen van 24", "TS
Kimberly", "Mature man". Those words decide, unless they are about the clients ("voor heren",
"for women and couples", "looking for a generous man", "heren en dames welkom"), negated ("geen
mannen"), or about someone else ("via mijn man"). Where no such word is left, the first names
the persons component found decide, read from a names-by-gender list (``gender-guesser``, the
``nam_dict`` of Jörg Michael's ``gender`` program: ~48,000 first names with their use per
country; its data is under the GNU Free Documentation License), with the countries in
``genders.name_countries`` preferred. Where there is no name either, third-person pronouns
decide ("zij is lief", "he speaks only Romanian"). Several persons: every gender presented.

Words, cues and countries are data (``genders`` in ``lexicons/common/persons.yaml``); the
spaCy component (``nlp.components.Persons``) reads the context of each word.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from gender_guesser.detector import Detector

#: The values ``entities.genders`` holds (an empty list is "unknown").
VALUES = ("female", "male", "trans")
#: gender-guesser's answers that count, and what they mean.
_NAME_ANSWERS = {"female": "female", "mostly_female": "female", "male": "male", "mostly_male": "male"}


@dataclass(frozen=True)
class GenderCues:
    """Context words (folded) around a gender word, from ``genders`` in persons.yaml."""

    client_before: frozenset[str] = frozenset()  # "voor heren", "for women", "zoek een oudere man"
    client_after: frozenset[str] = frozenset()  # "heren welkom", "men only"
    other_before: frozenset[str] = frozenset()  # "mijn man", "my boyfriend": someone else
    negation: frozenset[str] = frozenset()  # "geen mannen", "no men"
    window_before: int = 3
    window_after: int = 4
    #: Words that are gender words only when written in capitals ("TV", not "tv kijken").
    capitals_only: frozenset[str] = frozenset()
    #: pronoun -> words before it that make it another word ("blond haar" is hair, not "her").
    pronoun_not_after: dict[str, frozenset[str]] = field(default_factory=dict)
    #: A name right after one of these is someone else's ("mijn vriend Ahmed").
    name_not_after: frozenset[str] = frozenset()

    @classmethod
    def from_lexicon(cls, spec: dict, fold: object) -> GenderCues:
        words = {key: frozenset(fold(str(w)) for w in spec.get(key, [])) for key in _CUE_KEYS}  # type: ignore[operator]
        return cls(
            words["client_before"],
            words["client_after"],
            words["other_before"],
            words["negation"],
            int(spec.get("window_before", 3)),
            int(spec.get("window_after", 4)),
            frozenset(str(w).lower() for w in spec.get("capitals_only", [])),
            {
                fold(str(p)): frozenset(fold(str(w)) for w in ws)  # type: ignore[operator]
                for p, ws in (spec.get("pronoun_not_after") or {}).items()
            },
            words["name_not_after"],
        )


_CUE_KEYS = ("client_before", "client_after", "other_before", "negation", "name_not_after")


class NameGenders:
    """First name -> "female" / "male" (None: unknown or used for both), preferring some countries."""

    def __init__(self, countries: tuple[str, ...] = ()) -> None:
        self.countries = countries
        self._detector = _detector()

    @lru_cache(maxsize=16384)  # noqa: B019 (one instance per pipeline, kept for the process)
    def gender(self, name: str) -> str | None:
        for country in self.countries:
            answer = _NAME_ANSWERS.get(self._detector.get_gender(name, country))
            if answer is not None:
                return answer
        return _NAME_ANSWERS.get(self._detector.get_gender(name))


@lru_cache(maxsize=1)
def _detector() -> Detector:
    """gender-guesser's detector (reads its ~48,000 names once per process, ~0.8 s)."""
    return Detector(case_sensitive=False)


Evidence = list[tuple[str, int, int]]  # (gender, start, end)


def decide(words: Evidence, names: Evidence, pronouns: Evidence) -> Evidence:
    """The genders an ad presents, as (value, start, end) in text order, from the three kinds of evidence.

    ``words``: gender words that count (context already checked); a trans word stands for the person
    alone ("TS Lara, a real lady"). ``names``: genders of the found first names. ``pronouns``: third-person
    pronouns; the more frequent gender wins (both on a tie).
    """
    if words:
        if any(value == "trans" for value, _, _ in words):
            words = [w for w in words if w[0] == "trans"]
        return sorted(words, key=lambda w: w[1])
    if names:
        return sorted(names, key=lambda w: w[1])
    if not pronouns:
        return []
    counts = {value: sum(v == value for v, _, _ in pronouns) for value in VALUES}
    most = max(counts.values())
    return sorted((p for p in pronouns if counts[p[0]] == most), key=lambda w: w[1])
