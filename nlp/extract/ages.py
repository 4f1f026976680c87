"""Ages claimed for the advertised person, in digits or words, Dutch and English.

An age needs evidence that it *is* an age: a unit ("19 jaar", "19yo"), a cue
("ik ben 19", "age: 19", "turned 18"), a youth cue ("net 18"), the "Name (19)" form, or
its place in the profile line that opens most ads: a bare two-digit number among the
first few words of a line or sentence ("fenna 17 leeuwarden", "Jenny, trans, 27, Den
Bosch", "Annelies, Zwolle. 42."), unless the word before it makes it a time, a price, a
size or an address ("na 22", "uur 60", "maat 38", "Hoofdstraat 12") or a count noun
follows it ("12 dames").
Numbers that are limits or disclaimers ("vanaf 18", "18+", "18 jaar en
ouder"), ranges ("18-25"), times, prices, counts ("5 jaar ervaring") and
digits inside phones, e-mails and handles are not ages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.extract import Found, SpanSet, overlaps
from nlp.extract._phrases import alternation, ends_with, first_chars, starts_with
from nlp.extract._regex import LiteralGate, required_literals
from nlp.rewrite import View

# One or two digits, not right after a word character, a price sign, a time or a range (the look-behind
# sits after the first digit so ``re`` jumps from digit to digit instead of trying every position).
_NUM = r"(?P<num>\d(?<![\w.,€$£/:+\-]\d)\d?)(?!\d|[.,:/]\d)"
_RANGE_BEFORE = re.compile(r"\d[ \t]*(?:-|–|tot|t/m|en|and|to|or|of)[ \t]*$", re.IGNORECASE)
_RANGE_AFTER = re.compile(r"[ \t]*(?:-|–|tot|t/m|to)[ \t]*\d")
# "Lisa (19)" or "Lisa, 19," (but not "Sun, 12.00").
_NAME_FORM = re.compile(
    r"[A-Z](?<![\w][A-Z])[a-zà-ÿ]{1,20}[ \t]*"
    r"(?:\([ \t]*(?P<num>\d{2})[ \t]*\)|,[ \t]*(?P<num2>\d{2})(?![.:]\d)(?=[ \t]*(?:[,.!|)\n]|$)))"
)


_NUM_SCAN = re.compile(r"\d(?<![\w.,€$£/:+\-]\d)\d?(?!\d|[.,:/]\d)")
_WORDS = re.compile(r"[\w']+")


def _phrase_set(phrases: list[str]) -> frozenset[str]:
    return frozenset(" ".join(_WORDS.findall(str(p).lower())) for p in phrases)


def _is_word_char(ch: str) -> bool:
    r"""True for the characters of ``[\w']`` (a phrase word ends with one)."""
    return ch.isalnum() or ch in "_'"


def _last_words(phrases: frozenset[str]) -> frozenset[str]:
    """The last word of each phrase of a :func:`_phrase_set`: a text must end with one of them to end with a phrase."""
    return frozenset(p.rsplit(" ", 1)[-1] for p in phrases)


def _ends_with_phrase(text: str, phrases: frozenset[str], last_words: frozenset[str]) -> bool:
    """True when ``text`` ends with one of ``phrases`` (whole words, up to four); ``last_words`` of them."""
    if not text or not _is_word_char(text[-1]):
        return False  # the usual case, decided without splitting words
    low = text[-30:].lower()
    chunk = low.rsplit(None, 1)[-1]
    if chunk.isalnum() and chunk not in last_words:
        return False  # the chunk is the last word itself (the usual case), and no phrase ends with it
    words = _WORDS.findall(low)[-4:]
    if not words or words[-1] not in last_words or not text.lower().endswith(words[-1]):
        return False  # most numbers: the word before them ends no phrase, decided without joining words
    return any(" ".join(words[i:]) in phrases for i in range(len(words)))


def _followed_by(words: list[str]) -> re.Pattern[str] | None:
    """Matches where one of ``words`` follows, with or without a blank ("12 dames", "30min")."""
    return re.compile(rf"[ \t]*(?:{alternation(words, bound_left=False)})", re.IGNORECASE) if words else None


@dataclass(frozen=True)
class AgeRules:
    unit: re.Pattern[str]
    cues: frozenset[str]
    near_cues: frozenset[str]
    disclaimer_before: re.Pattern[str]
    disclaimer_after: re.Pattern[str]
    not_after_unit: re.Pattern[str]
    not_after_number: re.Pattern[str]
    min_age: int
    max_age: int
    near_max_age: int
    #: The profile-line slot: at most this many words before a bare number in its line or sentence.
    bare_max_words: int = 0
    bare_not_after: frozenset[str] = frozenset()  # "na 22", "uur 60", "maat 38"
    bare_not_after_suffixes: tuple[str, ...] = ()  # "Hoofdstraat 12"
    bare_not_before: re.Pattern[str] | None = None  # "12 dames"
    #: A disclaimer search costs ~10 us on 30 characters; most contexts hold none of its words.
    disclaimer_gate: LiteralGate | None = None

    cue_last_words: frozenset[str] = frozenset()
    near_cue_last_words: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "cue_last_words", _last_words(self.cues))
        object.__setattr__(self, "near_cue_last_words", _last_words(self.near_cues))
        if self.disclaimer_gate is None:
            gate = LiteralGate([required_literals(self.disclaimer_before.pattern)])
            object.__setattr__(self, "disclaimer_gate", gate)

    def disclaimer_ends(self, left: str) -> bool:
        """``disclaimer_before.search(left)``, skipped when ``left`` lacks every word it needs."""
        return self.disclaimer_gate.possible(left)[0] and self.disclaimer_before.search(left) is not None  # type: ignore[union-attr]

    @classmethod
    def from_lexicon(cls, lex: dict) -> AgeRules:
        return cls(
            unit=re.compile(
                rf"{_NUM}[ \t]*-?[ \t]*{first_chars(lex.get('units', []))}"
                rf"(?P<unit>{alternation(lex.get('units', []), bound_left=False)})",
                re.IGNORECASE,
            ),
            cues=_phrase_set(lex.get("cues", [])),
            near_cues=_phrase_set(lex.get("near_cues", [])),
            disclaimer_before=ends_with(lex.get("disclaimer_before", [])),
            disclaimer_after=starts_with(lex.get("disclaimer_after", [])),
            not_after_unit=starts_with(lex.get("not_after_unit", [])),
            not_after_number=starts_with(lex.get("not_after_number", [])),
            min_age=int(lex.get("min_age", 12)),
            max_age=int(lex.get("max_age", 79)),
            near_max_age=int(lex.get("near_cue_max_age", 21)),
            bare_max_words=int(lex.get("bare", {}).get("max_words_before", 0)),
            bare_not_after=frozenset(str(w).lower() for w in lex.get("bare", {}).get("not_after_words", [])),
            bare_not_after_suffixes=tuple(str(w).lower() for w in lex.get("bare", {}).get("not_after_suffixes", [])),
            bare_not_before=_followed_by(lex.get("bare", {}).get("not_before_words", [])),
        )


_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_SEGMENT_LOOKBACK = 80
#: The last line break, sentence end or list separator of a text (greedy ".*" finds the last one).
_LAST_SEGMENT_MARK = re.compile(r"(?s:.*)(\n|[.!?] |[|•]| [–-] )")


def _in_profile_slot(text: str, start: int, end: int, rules: AgeRules) -> bool:
    """True when a bare number sits among the first words of its line or sentence (see the docstring)."""
    if not rules.bare_max_words:
        return False
    if (unit := rules.unit.match(text, start)) and rules.not_after_unit.match(text, unit.end()):
        return False  # "al twintig jaar woon": the unit's own rule says it counts something else
    window = text[max(0, start - _SEGMENT_LOOKBACK) : start]
    # The line or sentence starts after a line break, a sentence end or a list separator.
    last = _LAST_SEGMENT_MARK.search(window)
    cut = last.start(1) if last else -1
    if cut < 0 and start > _SEGMENT_LOOKBACK:
        return False  # no start within reach: far into a long sentence
    if len(_WORD.findall(window[cut + 1 :])) > rules.bare_max_words:
        return False
    # The word right before the number, also across a full stop ("Nr. 12").
    before = _WORD.findall(window[-30:])
    if before:
        last = before[-1].lower()
        if last in rules.bare_not_after or last.endswith(rules.bare_not_after_suffixes):
            return False
    return rules.bare_not_before is None or not rules.bare_not_before.match(text, end)


def find_ages(view: View, rules: AgeRules, taken: SpanSet) -> list[Found]:
    """Claimed ages with their source span (number plus unit where there is one)."""
    text = view.text
    candidates: list[tuple[int, int, int, int, int]] = []  # start, end, num_start, num_end, max_age
    # All three patterns open with a digit, which ``re`` finds by itself: one pass over the whole text
    # is cheaper than one per digit line (the matches are the same; tests/nlp/test_nlp_speedups.py).
    for m in rules.unit.finditer(text):
        if rules.not_after_unit.match(text, m.end()):
            continue
        candidates.append((m.start(), m.end(), m.start("num"), m.end("num"), rules.max_age))
    # "ik ben 19", "age: 19", "net 18": find the numbers first, then look at the words before them
    # (a word lookup per number is much cheaper than a cue alternation tried at every position).
    # The cue test rejects most numbers cheaply, so it comes before the "not followed by" test.
    # The first test of ``_ends_with_phrase`` (a word character before the number) is made here, so
    # most numbers cost no call at all.
    cues, cue_last, near, near_last = rules.cues, rules.cue_last_words, rules.near_cues, rules.near_cue_last_words
    for m in _NUM_SCAN.finditer(text):
        start, end = m.span()
        before = text[start - 30 if start > 30 else 0 : start]
        bare = before.rstrip(" \t:=,")
        if bare and (bare[-1].isalnum() or bare[-1] in "_'") and _ends_with_phrase(bare, cues, cue_last):
            limit = rules.max_age
        elif before[-1:] in (" ", "\t") and _ends_with_phrase(before.rstrip(" \t"), near, near_last):
            limit = rules.near_max_age
        elif end - start == 2 and _in_profile_slot(text, start, end, rules):
            limit = rules.max_age
        else:
            continue
        if not rules.not_after_number.match(text, end):
            candidates.append((start, end, start, end, limit))
    for m in _NAME_FORM.finditer(text):
        group = "num" if m.group("num") else "num2"
        candidates.append((m.start(group), m.end(group), m.start(group), m.end(group), rules.max_age))

    found: list[Found] = []
    spans = SpanSet()
    for start, end, n_start, n_end, limit in sorted(candidates, key=lambda c: (c[2], -(c[1] - c[0]))):
        age = int(text[n_start:n_end])
        if not rules.min_age <= age <= min(limit, rules.max_age) or overlaps(n_start, n_end, spans):
            continue
        left = text[max(0, n_start - 30) : n_start]
        if rules.disclaimer_ends(left) or _RANGE_BEFORE.search(left):
            continue
        if rules.disclaimer_after.match(text, n_end) or rules.disclaimer_after.match(text, end):
            continue
        if _RANGE_AFTER.match(text, n_end):
            continue
        src = view.to_source(start, end)
        if overlaps(src[0], src[1], taken):
            continue
        spans.add(n_start, n_end)
        found.append(Found(age, src[0], src[1], view.edited_within(start, end)))
    found.sort(key=lambda f: f.start)
    return found
