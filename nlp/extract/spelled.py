"""Contact names written letter by letter to get past filters: "j e t t i e _ 0 2", "v.a.l.e.r.i.a_x".

Both forms become a rewrite layer (so spans still map to the published text): letters written
one by one with single blanks between them are joined ("z e y n e p . z d m" -> "zeynep.zdm",
a lone dot stays a dot), and dots between single letters are dropped when most parts of a
dotted word are single letters ("n.o.e.m.i_m.s.t" -> "noemi_mst", while "lisa.x" and
"ts.angel.vnl" keep theirs). Words for symbols in brackets ("rosie (dot) blue (underscore) nl")
become the symbols.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.rewrite import Rewritten

#: Four or more single characters of a name, one blank between each, alone between blanks.
_SPACED = re.compile(r"(?<!\S)[A-Za-z0-9_.](?: [A-Za-z0-9_.]){3,}(?!\S)")
#: A word of four or more dot-separated parts.
_DOTTED = re.compile(r"(?<![\w.])[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+){3,}(?![\w])")
_MIN_SINGLE_SHARE = 0.6
#: Cheap tests first: each opens with a literal, which ``re`` finds without trying every position.
_MAYBE_SPACED = re.compile(r" \S \S ")
_MAYBE_DOTTED = re.compile(r"\.\w\.")


@dataclass(frozen=True)
class SymbolWords:
    """Bracketed words that stand for a symbol in a contact name ("(dot)" -> ".", "(underscore)" -> "_")."""

    pattern: re.Pattern[str]
    symbols: dict[str, str]  # lower-cased word -> symbol

    @classmethod
    def from_lexicon(cls, words: dict[str, str]) -> SymbolWords | None:
        if not words:
            return None
        alternation = "|".join(re.escape(str(w)) for w in sorted(words, key=lambda w: -len(str(w))))
        pattern = re.compile(rf"[ \t]*[(\[][ \t]*(?P<word>{alternation})[ \t]*[)\]][ \t]*", re.IGNORECASE)
        return cls(pattern, {str(w).lower(): str(s) for w, s in words.items()})


def join_dotted(word: str) -> str:
    """``word`` without the dots between its parts when most parts are single letters, else unchanged."""
    parts = word.split(".")
    if len(parts) < 4 or sum(len(p) == 1 for p in parts) < _MIN_SINGLE_SHARE * len(parts):
        return word
    return "".join(parts)


def spelled_layer(text: str, symbol_words: SymbolWords | None = None) -> Rewritten:
    """Edits that join spelled-out names and read bracketed symbol words (see the module docstring)."""
    edits: list[tuple[int, int, str]] = []
    if symbol_words is not None and ("(" in text or "[" in text):
        for m in symbol_words.pattern.finditer(text):
            edits.append((m.start(), m.end(), symbol_words.symbols[m.group("word").lower()]))
    if _MAYBE_SPACED.search(text):
        for m in _SPACED.finditer(text):
            edits += [(m.start() + i, m.start() + i + 1, "") for i in range(1, len(m.group()), 2)]
    if _MAYBE_DOTTED.search(text):
        for m in _DOTTED.finditer(text):
            if join_dotted(m.group()) != m.group():
                edits += [(m.start() + i, m.start() + i + 1, "") for i, c in enumerate(m.group()) if c == "."]
    return Rewritten(text, sorted(edits))
