"""E-mail addresses, also when written "lisa [at] mail (dot) com" or "lisa at mail dot com".

Bracketed forms are unambiguous; bare word forms (" at ", " punt ") are
accepted only when the address ends in a known top-level domain, so ordinary
prose ("meet at noon") is not read as an address.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from nlp.extract import Found
from nlp.extract._phrases import first_chars
from nlp.extract.spelled import join_dotted
from nlp.rewrite import View

_OPEN, _CLOSE = r"[\[\(\{<]", r"[\]\)\}>]"


@dataclass(frozen=True)
class EmailRules:
    pattern: re.Pattern[str]
    at_words: frozenset[str]
    dot_words: frozenset[str]
    tlds: frozenset[str]
    spaced_at_obfuscated: bool = False
    not_local: frozenset[str] = frozenset()
    # Where an "at" can be (a word "at" inside "what" cannot): the costly address pattern only
    # runs on the lines that hold one.
    may_have_at: re.Pattern[str] = re.compile("@")

    @classmethod
    def from_lexicon(cls, lex: dict) -> EmailRules:
        e = lex.get("emails", {})
        at_words = [re.escape(w) for w in e.get("at_words", ["at"])]
        dot_words = [re.escape(w) for w in e.get("dot_words", ["dot"])]
        at_alt, dot_alt = "|".join(at_words), "|".join(dot_words)
        at_first = first_chars(e.get("at_words", ["at"]))
        at = rf"(?:[ \t]*@[ \t]*|[ \t]*{_OPEN}[ \t]*(?:{at_alt}|@)[ \t]*{_CLOSE}[ \t]*|[ \t]+(?:{at_alt})[ \t]+)"
        dot = rf"(?:\.|[ \t]*{_OPEN}[ \t]*(?:{dot_alt}|\.)[ \t]*{_CLOSE}[ \t]*|[ \t]+(?:{dot_alt})[ \t]+)"
        word = r"[a-z0-9_%+\-]+"
        pattern = re.compile(
            rf"(?<![\w.+\-@])(?P<local>{word}(?:{dot}{word})*)(?P<at>{at})"
            rf"(?P<domain>[a-z0-9\-]+(?:{dot}[a-z0-9\-]+)*)(?P<lastdot>{dot})(?P<tld>[a-z]{{2,12}})(?![\w\-])",
            re.IGNORECASE,
        )
        return cls(
            pattern,
            frozenset(e.get("at_words", [])),
            frozenset(e.get("dot_words", [])),
            frozenset(t.lower() for t in e.get("word_form_tlds", [])),
            bool(e.get("spaced_at_is_obfuscation", False)),
            frozenset(str(w).lower() for w in e.get("not_local_parts", [])),
            # The lookahead for the at-words' first characters spares trying them after every blank.
            re.compile(rf"@|(?:{_OPEN}|[ \t])[ \t]*{at_first}(?:{at_alt})[ \t]*(?:{_CLOSE}|[ \t])", re.IGNORECASE),
        )


_DOT_SPLIT_CACHE: dict[str, re.Pattern[str]] = {}


def _canon(part: str, rules: EmailRules) -> str:
    words = "|".join(re.escape(w) for w in rules.dot_words) or "dot"
    pat = _DOT_SPLIT_CACHE.get(words)
    if pat is None:
        pat = re.compile(rf"\s*{_OPEN}\s*(?:{words}|\.)\s*{_CLOSE}\s*|[ \t]+(?:{words})[ \t]+|\.", re.IGNORECASE)
        _DOT_SPLIT_CACHE[words] = pat
    return ".".join(p for p in pat.split(part)).lower()


def _matches_on_lines_with_at(text: str, rules: EmailRules) -> Iterator[re.Match[str]]:
    """The address pattern's matches, looked for only on lines that hold an "at" (same matches, less text).

    An address never spans a line break (its pattern allows only blanks) and always holds an "at"
    that ``may_have_at`` finds; ``finditer(text, start, end)`` still sees the characters around the
    line, so look-behinds and look-aheads at its ends decide as they would on the whole text.
    """
    done = -1  # end of the last line searched
    for marker in rules.may_have_at.finditer(text):
        if marker.start() < done:
            continue
        start = text.rfind("\n", 0, marker.start()) + 1
        end = text.find("\n", marker.end())
        done = len(text) if end < 0 else end
        yield from rules.pattern.finditer(text, start, done)


def find_emails(view: View, rules: EmailRules) -> list[Found]:
    """Every e-mail address in ``view``, lower-cased and de-obfuscated, with its source span."""
    text = view.text
    found = []
    for m in _matches_on_lines_with_at(text, rules):
        at = m.group("at").strip()
        plain_at = at == "@"
        whole = m.group()
        spaced = plain_at and m.group("at") != "@"
        obfuscated = not plain_at or any(c in whole for c in "[]{}()<>") or (rules.spaced_at_obfuscated and spaced)
        if (spaced or (not plain_at and at.lower() in rules.at_words)) and (
            m.group("tld").lower() not in rules.tlds or m.group("local").lower() in rules.not_local
        ):
            continue  # "ook op @name.nl", "meet at noon.": prose or a handle, not an address
        local = _canon(m.group("local"), rules)
        joined = join_dotted(local)  # "j.u.n.o (at) ..." is juno's address
        address = f"{joined}@{_canon(m.group('domain'), rules)}.{m.group('tld').lower()}"
        start, end = view.to_source(m.start(), m.end())
        obfuscated = obfuscated or joined != local or view.edited_within(m.start(), m.end())
        found.append(Found(address, start, end, obfuscated))
    return found
