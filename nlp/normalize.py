"""Normalization that keeps offsets: the *views* that regex extractors match on.

Two views of a document's text are built, both mappable to the original:

* ``chars`` — Unicode folded: NFKC (fullwidth and mathematical digits, ligatures),
  keycap emoji to digits, zero-width characters dropped, typographic quotes and
  dashes to ASCII; then symbols the ad itself defines read as what they stand for
  ("06-1✱ 3✱, elke ✱ is een 9", "vervang # door @"). E-mails, handles and names are
  read from this view.
* ``full`` — ``chars`` plus look-alike letters read as digits inside digit runs
  ("O6-l2345678") and number words as digits ("nul zes", "zeventien",
  "twenty-two"). Phones, ages and prices are read from this view.

An edit inside a phone number is how TRAF_OBFUSCATED_CONTACT is noticed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, cached_property
from itertools import accumulate

from nlp.extract._regex import LiteralGate, compile_fast, required_literals
from nlp.lexicon import load
from nlp.rewrite import Rewritten, View

# A keycap emoji ("1" + VS16 + COMBINING ENCLOSING KEYCAP) or any other non-ASCII character.
_FOLD_TARGETS = re.compile("([0-9#*])\ufe0f?\u20e3|[^\x00-\x7f]")
#: The same targets in a text without a keycap mark: one character class, which ``re`` scans for
#: by itself (the alternation above is tried at every position, each digit included).
_NON_ASCII = re.compile("[^\x00-\x7f]")
_ZERO_WIDTH = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff\ufe0e\ufe0f")


@dataclass(frozen=True)
class NumberWords:
    """Number words of the configured languages, compiled into one regex."""

    values: dict[str, int | str]  # word -> number, or -> symbol ("plus" -> "+")
    pattern: re.Pattern[str]  # a word; lookups in ``values`` decide (one dict lookup beats a huge alternation)

    @classmethod
    def from_lexicon(cls, langs: tuple[str, ...]) -> NumberWords:
        lex = load("numbers", langs)
        values: dict[str, int | str] = {str(k).lower(): int(v) for k, v in lex.get("words", {}).items()}
        values.update({str(k).lower(): str(v) for k, v in lex.get("symbols", {}).items()})
        units = {str(k).lower(): int(v) for k, v in lex.get("compound_units", {}).items()}
        for tens_word, tens in lex.get("tens", {}).items():
            values[str(tens_word).lower()] = int(tens)
            for unit_word, unit in units.items():
                for form in lex.get("compound_forms", []):
                    values[form.format(unit=unit_word, tens=tens_word).lower()] = int(tens) + unit
        return cls(values, _WORD)

    def value(self, word: str) -> int | str | None:
        return self.values.get(word.lower())

    @cached_property
    def pair_heads(self) -> frozenset[str]:
        """First words of the two-word forms ("twenty" of "twenty-two"): only these start a pair."""
        return frozenset(k[:i] for k in self.values for i, c in enumerate(k) if c in "- ")

    @cached_property
    def candidates(self) -> frozenset[str]:
        """Lower-cased words that can start an edit (besides "...jarig(e)" and non-ASCII words)."""
        return frozenset(self.values) | self.pair_heads


@dataclass(frozen=True)
class SubstitutionKeys:
    """Patterns of the keys ads give for their own codes ("elke ✱ is een 9"), from numbers.yaml."""

    patterns: tuple[re.Pattern[str], ...]
    gate: LiteralGate
    #: Lower-cased strings one of which every key holds ("=", " is een ", "replace"): most ads have none.
    triggers: tuple[str, ...] = ()

    @classmethod
    def from_lexicon(cls, langs: tuple[str, ...]) -> SubstitutionKeys:
        lex = load("numbers", langs)
        sources = [str(p) for p in lex.get("substitution_keys", [])]
        triggers = tuple(str(t).lower() for t in lex.get("substitution_key_triggers", []))
        return cls(
            tuple(compile_fast(p) for p in sources), LiteralGate([required_literals(p) for p in sources]), triggers
        )

    def find(self, text: str) -> dict[str, str]:
        """Symbol -> what it stands for, for every key the text gives."""
        if self.triggers:
            low = text.lower()
            if not any(t in low for t in self.triggers):
                return {}
        keys: dict[str, str] = {}
        for pattern, possible in zip(self.patterns, self.gate.possible(text), strict=True):
            if possible:
                for m in pattern.finditer(text):
                    keys.setdefault(m.group("sym"), m.group("val"))
        return keys


#: Digits and key symbols in a row, with at most one blank, dot, dash or slash between them.
_KEYED_RUN = "(?:[0-9{s}])(?:[ .\\-/]?[0-9{s}])+"
#: A word shaped like an e-mail address once its symbol is "@": "eline.hsum#grachtmail.com".
_KEYED_MAIL = "[\\w.+\\-]+[{s}][\\w\\-]+(?:\\.[\\w\\-]+)+"
_MIN_DIGITS_IN_KEYED_RUN = 4


def substitute_keys(text: str, keys: SubstitutionKeys) -> Rewritten:
    """Read the symbols a key defines as their values, inside digit runs and e-mail-like words only.

    "06 2x 48 x1 90, replace every x with 7" -> "06 27 48 71 90"; the key itself and prose
    keep their letters (a run needs four digits, an address a dot after the symbol).
    """
    found = keys.find(text)
    if not found:
        return Rewritten(text)
    edits: list[tuple[int, int, str]] = []
    digit_syms = "".join(re.escape(s) for s, v in found.items() if v.isdigit())
    mail_syms = "".join(re.escape(s) for s, v in found.items() if v == "@")
    if digit_syms:
        for m in re.finditer(_KEYED_RUN.format(s=digit_syms), text):
            run = m.group()
            if sum(c.isdigit() for c in run) >= _MIN_DIGITS_IN_KEYED_RUN and any(c in found for c in run):
                edits += [(m.start() + i, m.start() + i + 1, found[c]) for i, c in enumerate(run) if c in found]
    if mail_syms:
        for m in re.finditer(_KEYED_MAIL.format(s=mail_syms), text):
            edits += [(m.start() + i, m.start() + i + 1, "@") for i, c in enumerate(m.group()) if found.get(c) == "@"]
    return Rewritten(text, sorted(edits))


def fold_char(ch: str) -> str:
    """The folded form of one non-ASCII character ('' to drop it)."""
    if ch in _ZERO_WIDTH:
        return ""
    if ch == "\U0001f51f":  # keycap ten
        return "10"
    folded = unicodedata.normalize("NFKC", ch)
    return _PUNCT.get(folded, folded)


_PUNCT = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u00b7": ".",
    "\u2022": ".",
    "\u2024": ".",
    "\u3002": ".",
}


def fold_chars(text: str) -> Rewritten:
    """Unicode folding as a rewrite; ASCII text is returned untouched (fast path)."""
    if text.isascii():
        return Rewritten(text)
    edits: list[tuple[int, int, str]] = []
    for m in (_FOLD_TARGETS if "\u20e3" in text else _NON_ASCII).finditer(text):
        folded = m.group(1) if m.lastindex else fold_char(m.group())
        if folded != m.group():
            edits.append((m.start(), m.end(), folded))
    return Rewritten(text, edits)


# The first character comes first and the "not after a letter" check right after it, so ``re`` scans
# for the character class instead of trying a leading look-behind at every position (same matches).
_LOOKALIKE_RUN = re.compile(r"[0-9OoIl|](?<![A-Za-z][0-9OoIl|])(?:[ .\-]?[0-9OoIl|]){7,}(?![A-Za-z])")
_MIN_DIGITS_IN_RUN = 4
_LOOKALIKE_MAP = {"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"}


def lookalikes(text: str) -> Rewritten:
    """Read O/o as 0 and l/I/| as 1 inside runs that are mostly digits ("O6 l2345678")."""
    edits: list[tuple[int, int, str]] = []
    for m in _LOOKALIKE_RUN.finditer(text):
        run = m.group()
        digits = sum(c.isdigit() for c in run)
        letters = sum(c in _LOOKALIKE_MAP for c in run)
        if letters and digits >= _MIN_DIGITS_IN_RUN and letters <= 2 * digits:
            for j, c in enumerate(run):
                if c in _LOOKALIKE_MAP:
                    edits.append((m.start() + j, m.start() + j + 1, _LOOKALIKE_MAP[c]))
    return Rewritten(text, edits)


_WORD = re.compile(r"[^\W\d_]+")
_AGE_SUFFIX = re.compile(r"-?jarige?$", re.IGNORECASE)


@cache
def _splitter(word: re.Pattern[str]) -> re.Pattern[str]:
    """``word`` in a capturing group: ``split`` then returns gaps and words in turn."""
    return re.compile(f"({word.pattern})", word.flags)


def words_and_spans(text: str, word: re.Pattern[str]) -> tuple[list[str], list[tuple[int, int]]]:
    """``word.findall(text)`` and the matches' spans from one scan (``split``; offsets are running sums)."""
    parts = _splitter(word).split(text)
    bounds = list(accumulate(map(len, parts)))  # word i spans bounds[2 * i] to bounds[2 * i + 1]
    return parts[1::2], list(zip(bounds[::2], bounds[1::2], strict=False))


def number_words(text: str, words: NumberWords) -> Rewritten:
    """Number words to digits ("nul zes" -> "0 6", "zeventien" -> "17", "twenty-two" -> "22")."""
    edits: list[tuple[int, int, str]] = []
    low = text.lower()
    # One character for one: the same words at the same places, lower-cased (no character changes
    # from letter to non-letter when lower-cased; tests/nlp/test_nlp_speedups.py checks every one);
    # else ("İ" lower-cases to two characters) lower-case word by word.
    same_length = len(low) == len(text)
    if same_length:
        lowered, spans = words_and_spans(low, words.pattern)
    else:
        lowered = [w.lower() for w in words.pattern.findall(text)]
    # Only a few words can start an edit; find them in one C-speed-ish pass, then look closer.
    candidates = words.candidates
    jarig = "jarig" in low
    picked = [
        i
        for i, w in enumerate(lowered)
        if w in candidates or not w.isascii() or (jarig and w.endswith(("jarig", "jarige")))
    ]
    if not picked:
        return Rewritten(text, edits)
    if not same_length:
        spans = [m.span() for m in words.pattern.finditer(text)]
    heads = words.pair_heads
    consumed = -1  # index of the second word of the last two-word form
    for i in picked:
        if i <= consumed:
            continue
        start, end = spans[i]
        word = lowered[i]
        # two-word forms: "twenty-two", "twenty two"
        if i + 1 < len(spans) and (word in heads or not word.isascii()):
            next_start, next_end = spans[i + 1]
            gap = text[end:next_start]
            if gap in ("-", " ") and (value := words.value(f"{word}{gap}{lowered[i + 1]}")) is not None:
                edits.append((start, next_end, str(value)))
                consumed = i + 1
                continue
        value = words.value(word)
        if value is not None:
            edits.append((start, end, str(value)))
        elif word.endswith("jarig") or word.endswith("jarige"):  # "zeventienjarige"
            stem = _AGE_SUFFIX.sub("", word)
            if (value := words.value(stem)) is not None:
                edits.append((start, start + len(stem), str(value)))
    return Rewritten(text, edits)


class Views:
    """The ``chars`` and ``full`` views of one text, built lazily."""

    __slots__ = ("__dict__", "_keys", "_words", "source")

    def __init__(self, source: str, words: NumberWords, keys: SubstitutionKeys | None = None) -> None:
        self.source = source
        self._words = words
        self._keys = keys

    @cached_property
    def chars(self) -> View:
        folded = fold_chars(self.source)
        if self._keys is None:
            return View([folded])
        return View([folded, substitute_keys(folded.text, self._keys)])

    @cached_property
    def full(self) -> View:
        base = self.chars.layers
        looks = lookalikes(base[-1].text)
        nums = number_words(looks.text, self._words)
        return View([*base, looks, nums])
