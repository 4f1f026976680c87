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

    Emoji patterns: one scan for all their first characters tells which of them
    can match at all, instead of one scan per pattern.
    """
    parsed = _parser.parse(pattern)
    got = _seq_firsts(parsed.data, parsed.state.flags)
    if got is None:
        return None
    (sens, insens), nullable = got
    if nullable or insens or not sens or len(sens) > _MAX_CLASS or any(c.isascii() for c in sens):  # \d is ASCII
        return None
    return frozenset(sens)


def rare_chars_gate(sets: list[frozenset[str]]) -> re.Pattern[str] | None:
    """One character class for the union of :func:`rare_first_chars` sets (``None`` when there are none)."""
    chars = set().union(*sets)
    return re.compile(f"[{_char_class(chars)}]") if chars else None


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
