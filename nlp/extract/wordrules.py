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
from dataclasses import dataclass
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
#: Characters in the gap between two words that end a sentence (no match crosses one) or a clause.
#: Where a clause ends: a gap never skips over one ("Incall only, no hotels" is two claims).
_CLAUSE_MARKS = frozenset(",:()")
_SENTENCE_MARKS = frozenset(".!?;\n|•")
_WORD_SPLIT = re.compile(f"({_WORD.pattern})")
#: A word that mixes letters with digits that imitate letters ("sch00l", "h0tel", "t33n").
_LEET_WORD = re.compile(r"(?<![\w])[A-Za-z][A-Za-z0-9]*[0-9][A-Za-z0-9]*(?![\w])")
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"}
_GAP = re.compile(r"^\{(\d+),(\d+)\}$")


@lru_cache(maxsize=65536)
def _word_keys(word: str) -> tuple[str, ...]:
    """A word's lookup keys: its folded form, then ``"<i>:<stem>"`` for each language's stem (Dutch,
    English). Words repeat across ads, so cached."""
    folded = fold(word)
    return (folded, *(f"{i}:{_STEMMERS[lang].stemWord(folded)}" for i, lang in enumerate(LANGS)))


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
    keys: tuple[str, ...]  # folded form, then "<i>:<stem>" per language (see _word_keys)
    sentence: int
    clause: int
    number: bool
    capital: bool  # "Lucy", not "LUCY" or "lucy"
    named: bool = False  # inside a name the persons component found (and no place)
    placed: bool = False  # inside a place the locations component found


@dataclass
class Words:
    """The words of one text (``view`` maps their offsets back to the published text)."""

    view: View
    items: list[Word]
    not_names: frozenset[str] = frozenset()  # folded words a <CAP> slot never takes


def words_of(view: View, number_words: frozenset[str] = frozenset()) -> Words:
    """Split the indicator view of ``view`` into :class:`Word` items (joined letters, read look-alikes)."""
    spelled = spelled_layer(view.text)
    layers = [*view.layers, spelled] if not spelled.identity else list(view.layers)
    leet = leet_layer(layers[-1].text)
    if not leet.identity:
        layers.append(leet)
    view = View(layers) if len(layers) != len(view.layers) else view
    items = []
    sentence = clause = 0
    # One split gives the words and the gaps between them; a gap of one blank (the usual one) ends nothing.
    parts = _WORD_SPLIT.split(view.text)
    position = len(parts[0])
    for k in range(1, len(parts), 2):
        gap = parts[k - 1]
        if k > 1 and gap != " ":
            if not _SENTENCE_MARKS.isdisjoint(gap):
                sentence += 1
                clause += 1
            elif not _CLAUSE_MARKS.isdisjoint(gap):
                clause += 1
        word = parts[k]
        keys = _word_keys(word)
        end = position + len(word)
        number = keys[0].isdigit() or keys[0] in number_words
        capital = len(word) > 1 and word[0].isupper() and not word.isupper()
        items.append(Word(position, end, keys, sentence, clause, number, capital))
        position = end + len(parts[k + 1])
    return Words(view, items)


def mark_spans(words: Words, places: SpanSet, names: SpanSet, source: str) -> None:
    """Mark the words inside places and names (source spans of ``source``), for the slots.

    Only words spelled like a word of some place or name are mapped back to the source to check
    (a few per ad), not all of them.
    """
    if not (places or names):
        return
    spelled = {
        _word_keys(w)[0]
        for spans in (places, names)
        for start, end in spans.spans()
        for w in _WORD.findall(source[start:end])
    }
    for word in words.items:
        if word.keys[0] not in spelled:
            continue
        start, end = words.view.to_source(word.start, word.end)
        word.placed = places.overlaps(start, end)
        word.named = not word.placed and names.overlaps(start, end)


# --- compiled rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Element:
    """One element of a rule: what a word must be (or a gap of other words)."""

    keys: frozenset[str] = frozenset()  # folded words and "<i>:<stem>" keys (see _word_keys)
    prefixes: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    contains: tuple[str, ...] = ()
    slot: str = ""  # NUM, PLACE, NAME, CAP
    gap: tuple[int, int] | None = None
    optional: bool = False

    def matches(self, word: Word, words: Words) -> bool:
        if self.slot and self._fills_slot(word, words):
            return True
        if not self.keys.isdisjoint(word.keys):
            return True
        f = word.keys[0]
        return bool(
            (self.prefixes and f.startswith(self.prefixes))
            or (self.suffixes and f.endswith(self.suffixes))
            or (self.contains and any(c in f for c in self.contains))
        )

    def _fills_slot(self, word: Word, words: Words) -> bool:
        if self.slot == "NUM":
            return word.number
        if self.slot == "PLACE":
            return word.placed
        if self.slot == "NAME":
            return word.named
        return word.capital and not word.placed and word.keys[0] not in words.not_names  # CAP


@dataclass(frozen=True, eq=False)  # compared by identity: a rule is hashed for every candidate word
class Rule:
    code: str
    elements: tuple[_Element, ...]
    source: str  # the rule as written, for error messages and reports
    negatable: bool | None = None  # None: as the code

    @property
    def required(self) -> tuple[frozenset[str], ...]:
        """Keys of the elements every match needs a word of (plain words only: no slot, wildcard or gap)."""
        return tuple(
            e.keys
            for e in self.elements
            if e.keys and not (e.optional or e.slot or e.prefixes or e.suffixes or e.contains)
        )


def _word_element(spec: str, sets: dict[str, list[str]], lang: str | None) -> _Element:
    keys: set[str] = set()
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
            keys.add(word[1:])
        elif word.startswith("*") and word.endswith("*") and len(word) > 2:
            contains.append(word[1:-1])
        elif word.endswith("*"):
            prefixes.append(word[:-1])
        elif word.startswith("*"):
            suffixes.append(word[1:])
        else:
            keys.add(word)
            keys.update(
                f"{i}:{_STEMMERS[language].stemWord(word)}"
                for i, language in enumerate(LANGS)
                if lang in (None, language)
            )
    return _Element(frozenset(keys), tuple(prefixes), tuple(suffixes), tuple(contains), slot)


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


_PREFIX_INDEX = 3  # wildcard prefixes at least this long are looked up by their first characters


def _rarity(keys: frozenset[str]) -> tuple[int, int]:
    """How rare an element's words are likely to be: short words ("in", "en", "de") are the common
    ones, and fewer alternatives are rarer."""
    return min(len(k) for k in keys if ":" not in k), -len(keys)


class WordRules:
    """Every compiled rule; per ad, only the rules whose rarest word occurs are tried, each at the
    words its first element can be."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        # Each rule is gated by one element every match needs (the one likely rarest in ads, see
        # _rarity): only the rules whose gate word occurs in an ad are tried on it.
        self._gated: dict[str, list[Rule]] = {}
        self._ungated: list[Rule] = []
        # Rules opening with an infix or suffix wildcard ("*goedkoop*") may start at any word; their
        # letters are looked for in the ad first.
        self._scan_parts: dict[int, tuple[str, ...]] = {}
        for rule in rules:
            required = rule.required
            if not required:
                self._ungated.append(rule)
            for key in max(required, key=_rarity) if required else ():
                self._gated.setdefault(key, []).append(rule)
            first = rule.elements[0]
            if first.suffixes or first.contains or any(len(p) < _PREFIX_INDEX for p in first.prefixes):
                self._scan_parts[id(rule)] = (*first.suffixes, *first.contains, *first.prefixes)

    def find(self, words: Words) -> list[tuple[Rule, int, int]]:
        """(rule, first word, last word) for every rule that matches at a word (shortest match)."""
        items = words.items
        # Where each word key, word opening and slot occurs in this ad: built once, then each rule
        # looks up the places its first element can start instead of every word being tried.
        at_key: dict[str, list[int]] = {}
        at_prefix: dict[str, list[int]] = {}
        at_slot: dict[str, list[int]] = {"NUM": [], "CAP": [], "PLACE": [], "NAME": []}
        for i, word in enumerate(items):
            for key in word.keys:
                at_key.setdefault(key, []).append(i)
            at_prefix.setdefault(word.keys[0][:_PREFIX_INDEX], []).append(i)
            if word.number:
                at_slot["NUM"].append(i)
            if word.capital:
                at_slot["CAP"].append(i)
            if word.placed:
                at_slot["PLACE"].append(i)
            if word.named:
                at_slot["NAME"].append(i)
        # Most rules need a word the ad does not have at all ("manager", "bescherming"): only the
        # rules whose gate word (see __init__) occurs are tried.
        possible = [*self._ungated]
        for key in at_key.keys() & self._gated.keys():
            possible += self._gated[key]
        out: list[tuple[Rule, int, int]] = []
        joined: str | None = None
        for rule in dict.fromkeys(possible):
            first = rule.elements[0]
            starts = {i for key in first.keys & at_key.keys() for i in at_key[key]}
            if first.slot:
                starts.update(at_slot[first.slot])
            for prefix in first.prefixes:
                starts.update(
                    i for i in at_prefix.get(prefix[:_PREFIX_INDEX], ()) if items[i].keys[0].startswith(prefix)
                )
            if id(rule) in self._scan_parts:
                # Infix and suffix wildcards ("*goedkoop*"): every word, where the text holds their letters.
                if joined is None:
                    joined = " ".join(word.keys[0] for word in items)
                if any(part in joined for part in self._scan_parts[id(rule)]):
                    starts.update(range(len(items)))
            for i in sorted(starts):
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
