"""Compile lexicon phrase lists into anchored regexes (shared by the extractors)."""

from __future__ import annotations

import re
from collections.abc import Iterable


def alternation(phrases: Iterable[str], *, bound_left: bool = True) -> str:
    """A regex alternation of ``phrases``, longest first, whitespace-tolerant, word-bounded at word ends.

    ``bound_left=False`` lets a phrase follow a digit or letter directly ("16jr", "150eur").

    The phrases are grouped by their first character, which is written once per group (with the
    left bound when the whole group has it): ``re`` tries one character per group at a position
    instead of every phrase (under IGNORECASE it has no shortcut for a literal). Phrases with
    different first characters never match at the same place, so only the order within a group
    matters, and that is kept: the same matches as the plain ``a|b|c`` (test_nlp_speedups.py).
    When a first character is a cased non-ASCII letter (which ``re`` may equate with another
    one), the plain form is returned.
    """
    alts: list[tuple[str, bool, str]] = []  # first character, left-bounded, escaped phrase (no bound)
    for phrase in sorted({str(p).lower() for p in phrases if str(p).strip()}, key=len, reverse=True):
        parts = phrase.split()
        esc = r"[ \t]+".join(re.escape(part) for part in parts)
        if phrase[-1].isalnum():
            esc += r"(?![\w])"
        alts.append((parts[0][0], bound_left and phrase[0].isalnum(), esc))
    if not alts:
        return r"(?!x)x"
    if not all(_groupable(first) for first, _, _ in alts):
        return "|".join((r"(?<![\w])" if bounded else "") + esc for _, bounded, esc in alts)
    groups: dict[str, list[tuple[bool, str]]] = {}
    for first, bounded, esc in alts:
        groups.setdefault(first, []).append((bounded, esc))
    out = []
    for first, members in groups.items():
        lead = re.escape(first)
        bounds = {bounded for bounded, _ in members}
        if len(bounds) == 1:
            rests = "|".join(esc[len(lead) :] for _, esc in members)
            out.append((r"(?<![\w])" if bounds.pop() else "") + f"{lead}(?:{rests})")
        else:  # bounded and unbounded phrases with one first character: each keeps its own bound
            out.append("(?:" + "|".join((r"(?<![\w])" if b else "") + esc for b, esc in members) + ")")
    return "|".join(out)


def _groupable(first: str) -> bool:
    """True when no other first character can match the same text character as ``first`` (also
    under IGNORECASE): ASCII characters and uncased ones; ``re`` equates some cased non-ASCII
    letters with others ("ſ" with "s", "µ" with "μ")."""
    return first.isascii() or first.lower() == first == first.upper()


def grouped_alternation(alternatives: list[tuple[str, str]]) -> str:
    """``a|b|c`` of escaped ``alternatives`` (``(first character, pattern)``, in order), grouped by
    first character as in :func:`alternation`: the same matches, one test per group."""
    if not all(_groupable(first) and esc.startswith(re.escape(first)) for first, esc in alternatives):
        return "|".join(esc for _, esc in alternatives)
    groups: dict[str, list[str]] = {}
    for first, esc in alternatives:
        groups.setdefault(first, []).append(esc[len(re.escape(first)) :])
    return "|".join(f"{re.escape(first)}(?:{'|'.join(rests)})" for first, rests in groups.items())


def first_chars(phrases: Iterable[str]) -> str:
    """A lookahead for the characters an :func:`alternation` of ``phrases`` can start with.

    Put before an alternation that opens a pattern: ``re`` then rejects most
    positions with one class test instead of trying every phrase there (same
    matches, several times faster on long texts). Use the same flags as the
    alternation (lowercase, so IGNORECASE patterns only).
    """
    firsts = first_char_set(phrases)
    return f"(?=[{firsts}])" if firsts else ""


def first_char_set(phrases: Iterable[str]) -> str:
    """The first characters of ``phrases`` (lower-cased, escaped), to go inside a ``[...]`` class."""
    return "".join(re.escape(c) for c in sorted({str(p).lower().split()[0][0] for p in phrases if str(p).strip()}))


def starts_with(phrases: Iterable[str]) -> re.Pattern[str]:
    """Matches when a text *starts* (after blanks) with one of ``phrases``."""
    phrases = list(phrases)
    return re.compile(rf"[ \t]*{first_chars(phrases)}(?:{alternation(phrases)})", re.IGNORECASE)


def ends_with(phrases: Iterable[str]) -> re.Pattern[str]:
    """Matches when a text *ends* (before blanks and a ':') with one of ``phrases``."""
    return re.compile(rf"{first_chars(phrases)}(?:{alternation(phrases)})[ \t]*[:=]?[ \t]*$", re.IGNORECASE)
