"""Indicator rules over the words of an ad: stems, word sets, slots and gaps instead of fixed phrases.

A fixed phrase list only knows the phrasings its authors thought of ("alleen hotel"); the
thousand people who write real ads use others ("komt alleen naar hotels", "hotel visits
only, any central hotel"). A rule here is a short sequence of *elements* matched word by
word (``rules`` per code in ``lexicons/*/indicators.yaml``):

* ``hotel``: any inflection of the word: Snowball stems (Dutch and English, PyStemmer) of
  the ad's word and of the lexicon word are compared, so "hotels", "hotelletje" need no entry;
* ``hotel*`` / ``*school*`` / ``*meisje``: the folded word starts with, contains or ends with it
  (compounds: "hotelkamer", "schoolmeisje", "tienermeisje"); ``=manager``: that word only, where
  its stem would take in another ("manage");
* ``a|b|c``: one of several; ``@name``: a word set shared by rules (``sets``, e.g. all
  language names, or the men who control contact: manager, vriend, chauffeur, ...);
* slots ``<NUM>`` (digits or a number word), ``<PLACE>`` (a place the locations component
  found), ``<NAME>`` (a name the persons component found, not a place), ``<CAP>`` (a word
  written with a capital that is neither a place nor a word of ``not_names``: a name the
  persons component may not know, as in "Lucy and Mona");
* ``{m,n}``: between m and n other words of the same clause (a comma or a colon ends one: "Incall
  only, no hotels" holds no "only ... hotels"); a trailing ``?`` makes an element optional. No
  match crosses a sentence end.

Words come from a view of the text in which letters written one by one are joined ("j o n g")
and digits inside words are read as the letters they imitate ("sch00l", "t33n"), so those
tricks match too. Spans map back to the published text. Negation is the caller's job (the
same cues as for the other rule kinds).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import Stemmer

from nlp.extract import SpanSet
from nlp.extract.spelled import spelled_layer
from nlp.rewrite import Rewritten, View
from signaal.text import fold

_STEMMERS = {"nl": Stemmer.Stemmer("dutch"), "en": Stemmer.Stemmer("english")}
LANGS = tuple(_STEMMERS)

#: A word of the view: letters and digits, with an inner apostrophe ("don't", "z'n").
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
#: Where a sentence ends: no match crosses one.
_SENTENCE_END = re.compile(r"[.!?;\n|•]")
#: Where a clause ends: a gap never skips over one ("Incall only, no hotels" is two claims).
_CLAUSE_END = re.compile(r"[,:()]")
#: A word that mixes letters with digits that imitate letters ("sch00l", "h0tel", "t33n").
_LEET_WORD = re.compile(r"(?<![\w])[A-Za-z][A-Za-z0-9]*[0-9][A-Za-z0-9]*(?![\w])")
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"}
_GAP = re.compile(r"^\{(\d+),(\d+)\}$")


@lru_cache(maxsize=65536)
def _folded_and_stems(word: str) -> tuple[str, tuple[str, ...]]:
    """A word's folded form and its stem in each language (Dutch, English); words repeat, so cached."""
    folded = fold(word)
    return folded, tuple(_STEMMERS[lang].stemWord(folded) for lang in LANGS)


def leet_layer(text: str) -> Rewritten:
    """Digits inside a word read as letters, when the word has more letters than digits."""
    edits = []
    for m in _LEET_WORD.finditer(text):
        word = m.group()
        digits = sum(c.isdigit() for c in word)
        if digits * 2 <= len(word) and all(c in _LEET for c in word if c.isdigit()):
            edits += [(m.start() + i, m.start() + i + 1, _LEET[c]) for i, c in enumerate(word) if c.isdigit()]
    return Rewritten(text, edits)


@dataclass(slots=True)
class Word:
    """One word of the view: its folded form, stems, sentence number and what a slot may need."""

    start: int  # view offsets
    end: int
    folded: str
    stems: tuple[str, ...]
    sentence: int
    clause: int
    number: bool
    capital: bool  # "Lucy", not "LUCY" or "lucy"


@dataclass
class Words:
    """The words of one text, with the spans of the places and names found in it (source offsets)."""

    view: View
    items: list[Word]
    places: SpanSet = field(default_factory=SpanSet)
    names: SpanSet = field(default_factory=SpanSet)
    not_names: frozenset[str] = frozenset()  # folded words a <CAP> slot never takes


def words_of(view: View, number_words: frozenset[str] = frozenset()) -> Words:
    """Split the indicator view of ``view`` into :class:`Word` items (joined letters, read look-alikes)."""
    spelled = spelled_layer(view.text)
    layers = [*view.layers, spelled] if not spelled.identity else list(view.layers)
    leet = leet_layer(layers[-1].text)
    if not leet.identity:
        layers.append(leet)
    view = View(layers) if len(layers) != len(view.layers) else view
    text = view.text
    items = []
    sentence = clause = 0
    last = 0
    for m in _WORD.finditer(text):
        if _SENTENCE_END.search(text, last, m.start()):
            sentence += 1
            clause += 1
        elif _CLAUSE_END.search(text, last, m.start()):
            clause += 1
        last = m.end()
        word = m.group()
        folded, word_stems = _folded_and_stems(word)
        number = folded.isdigit() or folded in number_words
        capital = word[0].isupper() and not word.isupper() and len(word) > 1
        items.append(Word(m.start(), m.end(), folded, word_stems, sentence, clause, number, capital))
    return Words(view, items)


# --- compiled rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Element:
    """One element of a rule: what a word must be (or a gap of other words)."""

    exact: frozenset[str] = frozenset()  # folded words
    stems: tuple[frozenset[str], ...] = ()  # per language: stems a word's stem may equal
    prefixes: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    contains: tuple[str, ...] = ()
    slot: str = ""  # NUM, PLACE, NAME
    gap: tuple[int, int] | None = None
    optional: bool = False

    def matches(self, word: Word, words: Words) -> bool:
        if self.slot and self._fills_slot(word, words):
            return True
        f = word.folded
        if f in self.exact or any(s in self.stems[i] for i, s in enumerate(word.stems) if i < len(self.stems)):
            return True
        return f.startswith(self.prefixes) or f.endswith(self.suffixes) or any(c in f for c in self.contains)

    def _fills_slot(self, word: Word, words: Words) -> bool:
        if self.slot == "NUM":
            return word.number
        if self.slot == "CAP" and (not word.capital or word.folded in words.not_names):
            return False
        span = words.view.to_source(word.start, word.end)
        if self.slot == "PLACE":
            return words.places.overlaps(*span)
        if words.places.overlaps(*span):
            return False  # "uit Dordrecht, ontvangt": a place is no name
        return self.slot == "CAP" or words.names.overlaps(*span)


@dataclass(frozen=True)
class Rule:
    code: str
    elements: tuple[_Element, ...]
    source: str  # the rule as written, for error messages and reports
    negatable: bool | None = None  # None: as the code


def _word_element(spec: str, sets: dict[str, list[str]], lang: str | None) -> _Element:
    exact: set[str] = set()
    stem_sets: list[set[str]] = [set() for _ in LANGS]
    prefixes: list[str] = []
    suffixes: list[str] = []
    contains: list[str] = []
    slot = ""
    for alt in _alternatives(spec, sets):
        if alt.startswith("<") and alt.endswith(">"):
            slot = alt[1:-1].upper()
            if slot not in ("NUM", "PLACE", "NAME", "CAP"):
                raise ValueError(f"unknown slot {alt!r} in indicator rule {spec!r}")
            continue
        word = fold(alt)
        if word.startswith("="):  # "=manager": this word only, not every word with its stem ("manage")
            exact.add(word[1:])
        elif word.startswith("*") and word.endswith("*") and len(word) > 2:
            contains.append(word[1:-1])
        elif word.endswith("*"):
            prefixes.append(word[:-1])
        elif word.startswith("*"):
            suffixes.append(word[1:])
        else:
            exact.add(word)
            for i, language in enumerate(LANGS):
                if lang in (None, language):
                    stem_sets[i].add(_STEMMERS[language].stemWord(word))
    return _Element(
        frozenset(exact), tuple(map(frozenset, stem_sets)), tuple(prefixes), tuple(suffixes), tuple(contains), slot
    )


def _alternatives(spec: str, sets: dict[str, list[str]]) -> Iterable[str]:
    for alt in spec.split("|"):
        alt = alt.strip()
        if alt.startswith("@"):
            if alt[1:] not in sets:
                raise ValueError(f"indicator rule uses unknown word set {alt!r}")
            yield from (str(w) for w in sets[alt[1:]])
        elif alt:
            yield alt


def compile_rule(code: str, spec: Sequence[str] | str, sets: dict[str, list[str]], lang: str | None) -> Rule:
    """A rule from its YAML form: a list of elements, or one string of elements separated by blanks."""
    parts = spec.split() if isinstance(spec, str) else [str(p) for p in spec]
    elements = []
    for part in parts:
        optional = part.endswith("?") and len(part) > 1
        part = part[:-1] if optional else part
        if gap := _GAP.match(part):
            elements.append(_Element(gap=(int(gap.group(1)), int(gap.group(2)))))
            continue
        element = _word_element(part, sets, lang)
        elements.append(element if not optional else _Element(**{**element.__dict__, "optional": True}))
    if not elements or elements[0].gap or elements[0].optional:
        raise ValueError(f"indicator rule {spec!r} of {code} must start with a word")
    return Rule(code, tuple(elements), " ".join(parts))


class WordRules:
    """Every compiled rule, indexed by what its first word can be."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        self.by_key: dict[str, list[Rule]] = {}  # folded word or "<lang>:stem" -> rules
        self.scan: list[Rule] = []  # rules whose first element has a wildcard or a slot: tried everywhere
        for rule in rules:
            first = rule.elements[0]
            if first.prefixes or first.suffixes or first.contains or first.slot:
                self.scan.append(rule)
                continue
            keys = {*first.exact, *(f"{i}:{s}" for i, stems in enumerate(first.stems) for s in stems)}
            for key in keys:
                self.by_key.setdefault(key, []).append(rule)

    def find(self, words: Words) -> list[tuple[Rule, int, int]]:
        """(rule, first word, last word) for every rule that matches at a word (shortest match)."""
        out = []
        items = words.items
        for i, word in enumerate(items):
            candidates = [*self.by_key.get(word.folded, ()), *self.scan]
            for k, stem in enumerate(word.stems):
                candidates += self.by_key.get(f"{k}:{stem}", ())
            seen: set[int] = set()
            for rule in candidates:
                if id(rule) in seen:
                    continue
                seen.add(id(rule))
                end = _match(rule.elements, 0, items, i, words, items[i].sentence)
                if end is not None:
                    out.append((rule, i, end))
        return out


def _same_clause(items: list[Word], before: int, after: int) -> bool:
    """True when the words from ``before`` to ``after`` (both may be out of range) are one clause."""
    lo, hi = max(before, 0), min(after, len(items) - 1)
    return items[lo].clause == items[hi].clause


def _match(
    elements: tuple[_Element, ...], e: int, items: list[Word], i: int, words: Words, sentence: int
) -> int | None:
    """Index of the last word of a match of ``elements[e:]`` starting at word ``i``, or None."""
    if e == len(elements):
        return i - 1
    element = elements[e]
    if element.gap is not None:
        low, high = element.gap
        for skip in range(low, high + 1):  # fewest words first: the shortest span
            if i + skip > len(items) or (skip and not _same_clause(items, i - 1, i + skip)):
                break
            if (end := _match(elements, e + 1, items, i + skip, words, sentence)) is not None:
                return end
        return None
    if (
        i < len(items)
        and items[i].sentence == sentence
        and element.matches(items[i], words)
        and (end := _match(elements, e + 1, items, i + 1, words, sentence)) is not None
    ):
        return end
    if element.optional:
        return _match(elements, e + 1, items, i, words, sentence)
    return None
