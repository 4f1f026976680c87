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
from itertools import accumulate, compress, count
from operator import attrgetter

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
SLOTS = ("NUM", "PLACE", "NAME", "CAP")


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


@lru_cache(maxsize=4096)
def _ends_sentence(gap: str) -> int:
    """1 when the gap between two words ends a sentence. Gaps are few distinct strings (" ", ", ",
    ".\\n"), so cached."""
    return int(not _SENTENCE_MARKS.isdisjoint(gap))


@lru_cache(maxsize=4096)
def _ends_clause(gap: str) -> int:
    """1 when the gap between two words ends a clause (a sentence end ends its clause too)."""
    return int(not (_SENTENCE_MARKS.isdisjoint(gap) and _CLAUSE_MARKS.isdisjoint(gap)))


@dataclass(slots=True)
class Words:
    """The words of one text, as parallel lists (``view`` maps their offsets back to the published text).

    ``texts[i]`` is word ``i`` as the view writes it, ``starts[i]``/``ends[i]`` its view offsets,
    ``sentence[i]``/``clause[i]`` the number of the sentence and clause it is in.
    """

    view: View
    texts: list[str]
    starts: list[int]
    ends: list[int]
    sentence: list[int]
    clause: list[int]

    def to_source(self, first: int, last: int) -> tuple[int, int]:
        """The published-text span from word ``first`` to word ``last`` (both included)."""
        return self.view.to_source(self.starts[first], self.ends[last])


def words_of(view: View) -> Words:
    """Split the indicator view of ``view`` into words (joined letters, read look-alikes)."""
    spelled = spelled_layer(view.text)
    layers = [*view.layers, spelled] if not spelled.identity else list(view.layers)
    leet = leet_layer(layers[-1].text)
    if not leet.identity:
        layers.append(leet)
    view = View(layers) if len(layers) != len(view.layers) else view
    # One split gives the words (odd parts) and the gaps around them (even parts); offsets, sentence
    # and clause numbers are running sums over them, so no Python loop runs per word.
    parts = _WORD_SPLIT.split(view.text)
    texts = parts[1::2]
    n = len(texts)
    offsets = list(accumulate(map(len, parts)))
    starts, ends = offsets[0:-1:2][:n], offsets[1::2][:n]
    # The text before the first word ends nothing: a gap counts from the second word on (parts[2]).
    gaps = parts[2:-1:2]
    sentence = list(accumulate(map(_ends_sentence, gaps), initial=0))[:n]
    clause = list(accumulate(map(_ends_clause, gaps), initial=0))[:n]
    return Words(view, texts, starts, ends, sentence, clause)


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

    @property
    def content(self) -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """What a word must be written as (slots aside); elements with the same content match the same words."""
        return self.keys, self.prefixes, self.suffixes, self.contains

    def matches_word(self, folded: str, keys: tuple[str, ...]) -> bool:
        """True when a word with these keys (see :func:`_word_keys`) is one this element names (slots aside)."""
        return bool(
            not self.keys.isdisjoint(keys)
            or (self.prefixes and folded.startswith(self.prefixes))
            or (self.suffixes and folded.endswith(self.suffixes))
            or (self.contains and any(c in folded for c in self.contains))
        )


@dataclass(frozen=True, eq=False)  # compared by identity: two rules with the same words are two rules
class Rule:
    code: str
    elements: tuple[_Element, ...]
    source: str  # the rule as written, for error messages and reports
    negatable: bool | None = None  # None: as the code


def _word_element(spec: str, sets: dict[str, list[str]], lang: str | None) -> _Element:
    keys: set[str] = set()
    prefixes: list[str] = []
    suffixes: list[str] = []
    contains: list[str] = []
    slot = ""
    for alt in _alternatives(spec, sets):
        if alt.startswith("<") and alt.endswith(">"):
            slot = alt[1:-1].upper()
            if slot not in SLOTS:
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


@dataclass(frozen=True, slots=True)
class _Lexeme:
    """What the rules need to know of one written word; computed once per distinct word (words repeat)."""

    folded: str
    number: bool  # digits or a number word: fills <NUM>
    capital: bool  # "Lucy", not "LUCY" or "lucy"
    elements: frozenset[int]  # ids of the rule elements whose words it is (slots aside)
    opens: tuple[int, ...]  # rules whose first element it is, by rule index


_ELEMENTS = attrgetter("elements")
_FOLDED = attrgetter("folded")

#: A step of a compiled rule: (element id or -1, slot, optional, gap); a gap step has only the gap.
_Step = tuple[int, str, bool, "tuple[int, int] | None"]


@dataclass
class _Ad:
    """One ad's words as the matcher reads them (see :meth:`WordRules.find`)."""

    lexemes: list[_Lexeme]
    sentence: list[int]
    clause: list[int]
    placed: set[int] = field(default_factory=set)
    named: set[int] = field(default_factory=set)
    not_names: frozenset[str] = frozenset()

    def slot_positions(self, slot: str) -> list[int]:
        """The words that fill ``slot``, in order (the same words :meth:`fills` accepts)."""
        if slot == "NUM":
            return [i for i, lexeme in enumerate(self.lexemes) if lexeme.number]
        if slot == "PLACE":
            return sorted(self.placed)
        if slot == "NAME":
            return sorted(self.named)
        return [i for i, lexeme in enumerate(self.lexemes) if lexeme.capital and self.fills(slot, i)]

    def fills(self, slot: str, i: int) -> bool:
        if slot == "NUM":
            return self.lexemes[i].number
        if slot == "PLACE":
            return i in self.placed
        if slot == "NAME":
            return i in self.named
        lexeme = self.lexemes[i]  # CAP
        return lexeme.capital and i not in self.placed and lexeme.folded not in self.not_names


class WordRules:
    """Every compiled rule, matched word by word (see the module docstring for what a rule is).

    How it stays fast: each distinct word is looked up once (a bounded cache of :class:`_Lexeme`)
    and its entry lists the rule elements it is and the rules it can open; per ad, a rule is tried
    only when every word element it needs occurs somewhere in the ad (a subset test over element
    ids), and only at the words that can open it. Same matches as trying every rule at every word
    (``tests/nlp/test_speedups.py``).
    """

    #: Distinct words remembered; the cache is emptied when full (a crawler sees an open vocabulary).
    CACHE_SIZE = 200_000

    def __init__(
        self,
        rules: list[Rule],
        number_words: frozenset[str] = frozenset(),
        not_names: frozenset[str] = frozenset(),
    ) -> None:
        self.rules = rules
        self.number_words, self.not_names = number_words, not_names
        ids: dict[tuple, int] = {}  # element content -> id
        self._steps: list[tuple[_Step, ...]] = []
        needs: list[frozenset[int]] = []
        self._openers: dict[int, list[int]] = {}  # element id -> rules it opens
        self._slot_openers: dict[str, list[int]] = {}  # slot -> rules whose first element has it
        for r, rule in enumerate(rules):
            steps: list[_Step] = []
            for element in rule.elements:
                if element.gap is not None:
                    steps.append((-1, "", False, element.gap))
                    continue
                has_content = any(element.content)
                eid = ids.setdefault(element.content, len(ids)) if has_content else -1
                steps.append((eid, element.slot, element.optional, None))
            self._steps.append(tuple(steps))
            # Words every match needs: non-optional elements without a slot (a slot can be any word).
            needs.append(frozenset(eid for eid, slot, optional, gap in steps if eid >= 0 and not (slot or optional)))
            first_id, first_slot = steps[0][0], steps[0][1]
            if first_id >= 0:
                self._openers.setdefault(first_id, []).append(r)
            if first_slot:
                self._slot_openers.setdefault(first_slot, []).append(r)
        self._needs = needs
        # The element a rule's second word must be, when that word must follow the first directly (no
        # gap, not optional, no slot): a try at word i needs it at word i + 1, a test as cheap as a
        # set lookup before any matching starts.
        self._second = [
            steps[1][0] if len(steps) > 1 and steps[1][0] >= 0 and not (steps[1][1] or steps[1][2]) else -1
            for steps in self._steps
        ]
        self._elements = {eid: _Element(*content) for content, eid in ids.items()}
        self._by_key: dict[str, list[int]] = {}
        self._wildcards: list[tuple[int, _Element]] = []
        for eid, element in self._elements.items():
            for key in element.keys:
                self._by_key.setdefault(key, []).append(eid)
            if element.prefixes or element.suffixes or element.contains:
                self._wildcards.append((eid, element))
        self._lexemes: dict[str, _Lexeme] = {}

    def _lexeme(self, text: str) -> _Lexeme:
        """The :class:`_Lexeme` of a word as written, computed the first time the word is seen."""
        keys = _word_keys(text)
        folded = keys[0]
        elements = {eid for key in keys for eid in self._by_key.get(key, ())}
        elements.update(eid for eid, element in self._wildcards if element.matches_word(folded, ()))
        opens = tuple(sorted({r for eid in elements for r in self._openers.get(eid, ())}))
        lexeme = _Lexeme(
            folded,
            folded.isdigit() or folded in self.number_words,
            len(text) > 1 and text[0].isupper() and not text.isupper(),
            frozenset(elements),
            opens,
        )
        if len(self._lexemes) >= self.CACHE_SIZE:
            self._lexemes.clear()
        self._lexemes[text] = lexeme
        return lexeme

    def read(self, words: Words, places: SpanSet | None = None, names: SpanSet | None = None) -> _Ad:
        """The ad as the matcher reads it: each word's lexeme, and which words are inside a place or a
        name (source spans of ``words.view``'s source) for the slots."""
        cache, learn = self._lexemes, self._lexeme
        ad = _Ad([cache.get(t) or learn(t) for t in words.texts], words.sentence, words.clause)
        ad.not_names = self.not_names
        places, names = places or SpanSet(), names or SpanSet()
        if places or names:
            # Only words spelled like a word of some place or name are mapped back to the source to
            # check (a few per ad), not all of them.
            source = words.view.layers[0].source
            spelled = {
                _word_keys(w)[0]
                for spans in (places, names)
                for start, end in spans.spans()
                for w in _WORD.findall(source[start:end])
            }
            for i in compress(count(), map(spelled.__contains__, map(_FOLDED, ad.lexemes))):
                start, end = words.to_source(i, i)
                if places.overlaps(start, end):
                    ad.placed.add(i)
                elif names.overlaps(start, end):
                    ad.named.add(i)
        return ad

    def find(
        self, words: Words, places: SpanSet | None = None, names: SpanSet | None = None
    ) -> list[tuple[Rule, int, int]]:
        """(rule, first word, last word) for every rule that matches at a word (the shortest match there),
        in rule order, then word order."""
        ad = self.read(words, places, names)
        lexemes = ad.lexemes
        present = frozenset().union(*map(_ELEMENTS, lexemes))
        needs, steps, second = self._needs, self._steps, self._second
        # The elements of word i + 1 (none after the last word), for the second-word test.
        following = [lexeme.elements for lexeme in lexemes[1:]] + [frozenset()]
        possible: dict[int, bool] = {}
        tries: list[tuple[int, int]] = []
        for i, lexeme in enumerate(lexemes):
            for r in lexeme.opens:
                ok = possible.get(r)
                if ok is None:
                    ok = possible[r] = needs[r] <= present
                if ok and (second[r] < 0 or second[r] in following[i]):
                    tries.append((r, i))
        for slot, rules in self._slot_openers.items():
            rules = [r for r in rules if needs[r] <= present]
            at = ad.slot_positions(slot) if rules else []
            for r in rules:
                first, then = steps[r][0][0], second[r]
                # A word the first element names by content was tried above already.
                tries += [
                    (r, i)
                    for i in at
                    if (first < 0 or first not in lexemes[i].elements) and (then < 0 or then in following[i])
                ]
        out = []
        for r, i in sorted(tries):
            end = _match(steps[r], 0, i, ad, ad.sentence[i])
            if end is not None:
                out.append((self.rules[r], i, end))
        return out


def _match(steps: tuple[_Step, ...], e: int, i: int, ad: _Ad, sentence: int) -> int | None:
    """Index of the last word of a match of ``steps[e:]`` starting at word ``i``, or None.

    Elements are tried in order; an optional element is first taken, then left out; a gap takes as
    few words as it can. No match leaves the sentence of its first word, and a gap stays in one clause.
    """
    if e == len(steps):
        return i - 1
    eid, slot, optional, gap = steps[e]
    n = len(ad.lexemes)
    if gap is not None:
        low, high = gap
        clause = ad.clause
        for skip in range(low, high + 1):  # fewest words first: the shortest span
            j = i + skip
            if j > n or (skip and clause[max(i - 1, 0)] != clause[min(j, n - 1)]):
                break
            if (end := _match(steps, e + 1, j, ad, sentence)) is not None:
                return end
        return None
    if (
        i < n
        and ad.sentence[i] == sentence
        and ((eid >= 0 and eid in ad.lexemes[i].elements) or (slot and ad.fills(slot, i)))
        and (end := _match(steps, e + 1, i + 1, ad, sentence)) is not None
    ):
        return end
    if optional:
        return _match(steps, e + 1, i, ad, sentence)
    return None
