"""Compile lexicon phrase lists into anchored regexes (shared by the extractors)."""

from __future__ import annotations

import re
from collections.abc import Iterable


def alternation(phrases: Iterable[str], *, bound_left: bool = True) -> str:
    """A regex alternation of ``phrases``, longest first, whitespace-tolerant, word-bounded at word ends.

    ``bound_left=False`` lets a phrase follow a digit or letter directly ("16jr", "150eur").
    """
    alts = []
    for phrase in sorted({str(p).lower() for p in phrases if str(p).strip()}, key=len, reverse=True):
        esc = r"[ \t]+".join(re.escape(part) for part in phrase.split())
        if phrase[-1].isalnum():
            esc += r"(?![\w])"
        if bound_left and phrase[0].isalnum():
            esc = r"(?<![\w])" + esc
        alts.append(esc)
    return "|".join(alts) or r"(?!x)x"


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
    return re.compile(rf"[ \t]*(?:{alternation(phrases)})", re.IGNORECASE)


def ends_with(phrases: Iterable[str]) -> re.Pattern[str]:
    """Matches when a text *ends* (before blanks and a ':') with one of ``phrases``."""
    return re.compile(rf"{first_chars(phrases)}(?:{alternation(phrases)})[ \t]*[:=]?[ \t]*$", re.IGNORECASE)
