"""Compile an analyst's regex with a first-character lookahead, so ``re`` skips hopeless positions fast.

A pattern that opens with a look-behind or a case-insensitive word list
(``(?<![\\w])(?i:onze|dit)...``) gives ``re`` no literal to search for, so it
runs the whole opening at every position of the text. The set of characters
a match can start with is known from the parsed pattern; a lookahead for that
set in front rejects most positions with one class test. The matches are the
same by construction: the lookahead only states what the pattern already
requires. Patterns whose first character cannot be pinned down are compiled
unchanged, and so are those that open with a literal or a character set
(``re`` already searches for those itself, faster than any lookahead).
"""

from __future__ import annotations

import re
from functools import cache
from re import _constants as C  # noqa: N812
from re import _parser

_GLOBAL_FLAGS = re.compile(r"^\(\?[aiLmsux]+\)")
_MAX_CLASS = 512  # wider first-character sets (e.g. [^x]) are not worth a lookahead
#: \d, \w, \s stay escapes inside the lookahead class, so they mean exactly what they meant in the pattern.
_CATEGORIES = {C.CATEGORY_DIGIT: r"\d", C.CATEGORY_WORD: r"\w", C.CATEGORY_SPACE: r"\s"}
_CATEGORY_ESCAPES = frozenset(_CATEGORIES.values())
_Firsts = tuple[set[str], set[str]]  # (case-sensitive chars, case-insensitive chars)


def _seq_firsts(items: list, flags: int) -> tuple[_Firsts, bool] | None:
    """First characters of a sequence of parsed items, and whether it can match the empty string."""
    sens: set[str] = set()
    insens: set[str] = set()
    for op, av in items:
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue  # zero width: the next item consumes the first character
        got = _item_firsts(op, av, flags)
        if got is None:
            return None
        (s, i), nullable = got
        sens |= s
        insens |= i
        if not nullable:
            return (sens, insens), False
    return (sens, insens), True


def _item_firsts(op: object, av: object, flags: int) -> tuple[_Firsts, bool] | None:
    ignore = bool(flags & re.IGNORECASE)
    if op is C.LITERAL:
        chars = {chr(av)}  # type: ignore[arg-type]
        return ((set(), chars) if ignore else (chars, set())), False
    if op is C.IN:
        chars: set[str] = set()
        for kind, value in av:  # type: ignore[union-attr]
            if kind is C.LITERAL:
                chars.add(chr(value))
            elif kind is C.RANGE and value[1] - value[0] < _MAX_CLASS:
                chars.update(chr(c) for c in range(value[0], value[1] + 1))
            elif kind is C.CATEGORY and value in _CATEGORIES:
                chars.add(_CATEGORIES[value])
            else:
                return None  # negated sets, categories (\w, \d) or huge ranges
        return ((set(), chars) if ignore else (chars, set())), False
    if op is C.SUBPATTERN:
        _group, add_flags, del_flags, sub = av  # type: ignore[misc]
        return _seq_firsts(sub.data, (flags | add_flags) & ~del_flags)
    if op is C.ATOMIC_GROUP:
        return _seq_firsts(av.data, flags)  # type: ignore[union-attr]
    if op is C.BRANCH:
        sens: set[str] = set()
        insens: set[str] = set()
        nullable = False
        for branch in av[1]:  # type: ignore[index]
            got = _seq_firsts(branch.data, flags)
            if got is None:
                return None
            (s, i), empty = got
            sens |= s
            insens |= i
            nullable = nullable or empty
        return (sens, insens), nullable
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        low, _high, sub = av  # type: ignore[misc]
        got = _seq_firsts(sub.data, flags)
        if got is None:
            return None
        firsts, empty = got
        return firsts, empty or low == 0
    return None  # ANY, NOT_LITERAL, negated sets, group references: anything may start a match


def _char_class(chars: set[str]) -> str:
    """Class body for single characters and the escapes of :data:`_CATEGORIES` (kept as written)."""
    return "".join(c if c in _CATEGORY_ESCAPES else re.escape(c) for c in sorted(chars))


def rare_first_chars(pattern: str) -> frozenset[str] | None:
    """The characters a match must start with, when they are few, case-sensitive and all non-ASCII.

    Emoji patterns: a substring test per character tells which of them can match
    at all, instead of one regex scan per pattern.
    """
    parsed = _parser.parse(pattern)
    got = _seq_firsts(parsed.data, parsed.state.flags)
    if got is None:
        return None
    (sens, insens), nullable = got
    if nullable or insens or not sens or len(sens) > _MAX_CLASS or any(c.isascii() for c in sens):  # \d is ASCII
        return None
    return frozenset(sens)


def compile_fast(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, with a lookahead for the characters a match can start with when known."""
    compiled = re.compile(pattern, flags)
    parsed = _parser.parse(pattern, flags)
    if parsed.data and parsed.data[0][0] in (C.LITERAL, C.IN):
        return compiled  # re already searches for an opening literal or character set by itself
    got = _seq_firsts(parsed.data, parsed.state.flags)
    if got is None:
        return compiled
    (sens, insens), nullable = got
    if nullable or not (sens or insens) or len(sens) + len(insens) > _MAX_CLASS:
        return compiled
    alts = []
    if sens:
        alts.append(f"[{_char_class(sens)}]")
    if insens:
        alts.append(f"(?i:[{_char_class(insens)}])")
    head = _GLOBAL_FLAGS.match(pattern)
    prefix = head.group() if head else ""
    return re.compile(f"{prefix}(?={'|'.join(alts)}){pattern[len(prefix) :]}", flags)


# --- Required literals: skip a regex on a text that lacks every string its matches must contain ---

_MAX_STRINGS = 64  # bigger literal sets are not worth a check per text
_Strings = frozenset[str]


def _exact(op: object, av: object) -> _Strings | None:
    """The strings (lower-cased, ASCII) an item consumes, when they are few and fully known; else None.

    Lower-cased whatever the flags: a case-sensitive match is also a case-insensitive one, so checking
    the lower-cased strings against the lower-cased text stays a necessary condition.
    """
    if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
        return frozenset({""})  # zero width: it constrains the match but consumes nothing
    if op is C.LITERAL:
        ch = chr(av)  # type: ignore[arg-type]
        return frozenset({ch.lower()}) if ch.isascii() else None
    if op is C.IN:
        chars: set[str] = set()
        for kind, value in av:  # type: ignore[union-attr]
            if kind is C.LITERAL and chr(value).isascii():
                chars.add(chr(value).lower())
            elif kind is C.RANGE and value[1] < 128 and value[1] - value[0] < _MAX_STRINGS:
                chars.update(chr(c).lower() for c in range(value[0], value[1] + 1))
            else:
                return None
        return frozenset(chars)
    if op in (C.SUBPATTERN, C.ATOMIC_GROUP):
        sub = av[3] if op is C.SUBPATTERN else av  # type: ignore[index]
        return _seq_exact(sub.data)
    if op is C.BRANCH:
        out: set[str] = set()
        for branch in av[1]:  # type: ignore[index]
            got = _seq_exact(branch.data)
            if got is None:
                return None
            out |= got
        return frozenset(out) if len(out) <= _MAX_STRINGS else None
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and av[:2] == (0, 1):  # type: ignore[index]
        got = _seq_exact(av[2].data)  # type: ignore[index]
        return None if got is None else got | {""}
    return None


def _join(left: _Strings, right: _Strings) -> _Strings | None:
    if len(left) * len(right) > _MAX_STRINGS:
        return None
    return frozenset(a + b for a in left for b in right)


def _seq_exact(items: list) -> _Strings | None:
    out: _Strings | None = frozenset({""})
    for op, av in items:
        got = _exact(op, av)
        out = None if got is None or out is None else _join(out, got)
        if out is None:
            return None
    return out


def _useful(strings: _Strings | None) -> _Strings | None:
    """``strings`` without those containing another one (it is enough to look for the shorter), or None."""
    if not strings or "" in strings:
        return None
    return frozenset(s for s in strings if not any(o != s and o in s for o in strings))


def _better(a: _Strings | None, b: _Strings | None) -> _Strings | None:
    """The more selective requirement: longer shortest string, then fewer strings."""
    if a is None or b is None:
        return a if b is None else b
    return max(a, b, key=lambda s: (min(map(len, s)), -len(s)))


def _required(items: list) -> _Strings | None:
    """Strings of which every match of the sequence ``items`` contains one (None: nothing is required)."""
    best: _Strings | None = None
    run: _Strings | None = frozenset({""})  # strings consumed by the current stretch of exact items
    for op, av in items:
        got = _exact(op, av)
        if got is not None:
            joined = _join(run, got) if run is not None else None
            if joined is None:  # too many combinations: keep what the stretch had, start a new one
                best = _better(best, _useful(run))
                joined = got
            run = joined
            continue
        best = _better(best, _useful(run))
        run = frozenset({""})
        if op in (C.SUBPATTERN, C.ATOMIC_GROUP):
            best = _better(best, _required((av[3] if op is C.SUBPATTERN else av).data))  # type: ignore[index]
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and av[0] >= 1:  # type: ignore[index]
            best = _better(best, _required(av[2].data))  # type: ignore[index]
        elif op is C.BRANCH:
            alts = [_required(branch.data) for branch in av[1]]  # type: ignore[index]
            if all(alts):
                best = _better(best, _useful(frozenset().union(*alts)))  # type: ignore[arg-type]
    return _better(best, _useful(run))


def required_literals(pattern: str) -> frozenset[str] | None:
    """Lower-cased ASCII strings of which every match of ``pattern`` contains one, or None if none are known.

    Derived from the parsed pattern (literals, small character sets and alternations of them, in a
    row): e.g. ``{"onze", "dit"}`` for ``(?<![\\w])(?i:onze|dit is|dit)\\s+[A-Z]...``. Checked with
    :class:`LiteralGate` on the lower-cased text; a regex none of whose strings occur cannot match.
    """
    got = _required(_parser.parse(pattern).data)
    if not got or (len(got) > 2 and min(map(len, got)) == 1):
        return None  # one of several single characters ([A-Z]): nearly every text has one
    return frozenset(got)


@cache
def _case_traps() -> frozenset[str]:
    """Non-ASCII characters that ``re`` equates to an ASCII letter under IGNORECASE ("K" Kelvin, "ſ",
    dotless "ı") or whose ``str.lower()`` holds one ("İ"): in a text with one of them, lower-casing
    the text is no exact stand-in for case-insensitive matching, so the gate lets every regex run.
    Derived from ``re`` and ``str`` themselves (once per process), not listed by hand.
    """
    traps: set[str] = set()
    for block in range(0x80, 0x110000, 0x1000):  # a block at a time: a few MB at most, not ~80
        chars = "".join(map(chr, range(block, min(block + 0x1000, 0x110000))))
        traps.update(re.findall("(?i)[a-z]", chars))
        traps.update(c for c in re.findall(r"[^\W\d_]", chars) if any(ch.isascii() for ch in c.lower()))
    return frozenset(traps)


class LiteralGate:
    """Per text, which regexes can match at all, judged from their :func:`required_literals`."""

    def __init__(self, required: list[frozenset[str] | None]) -> None:
        self.required = required
        self._strings = frozenset().union(*(r for r in required if r))
        self._traps = _case_traps()

    def possible(self, text: str) -> list[bool]:
        """For each regex, False when ``text`` holds none of its required strings (so it cannot match)."""
        if not text.isascii() and any(c in text for c in self._traps):  # a few fast substring tests
            return [True] * len(self.required)
        low = text.lower()
        found = {s for s in self._strings if s in low}
        return [req is None or not found.isdisjoint(req) for req in self.required]
