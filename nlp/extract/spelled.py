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

    pattern: re.Pattern[str]  # blanks, the bracketed word, blanks
    symbols: dict[str, str]  # lower-cased word -> symbol
    #: ``pattern`` from its bracket on: opening with the bracket, ``re`` finds it in C, where ``pattern``
    #: (which may open with blanks or nothing) is tried at every position (see :meth:`find`).
    bracketed: re.Pattern[str] | None = None

    @classmethod
    def from_lexicon(cls, words: dict[str, str]) -> SymbolWords | None:
        if not words:
            return None
        alternation = "|".join(re.escape(str(w)) for w in sorted(words, key=lambda w: -len(str(w))))
        bracketed = rf"[(\[][ \t]*(?P<word>{alternation})[ \t]*[)\]][ \t]*"
        return cls(
            re.compile(rf"[ \t]*{bracketed}", re.IGNORECASE),
            {str(w).lower(): str(s) for w, s in words.items()},
            re.compile(bracketed, re.IGNORECASE),
        )

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, word) of each match of ``pattern.finditer(text)``.

        A match starts at the first of the blanks before its bracket that no earlier match took (it
        ends with the blanks after it), so each bracketed match is widened back over those blanks.
        """
        if self.bracketed is None:
            return [(m.start(), m.end(), m.group("word")) for m in self.pattern.finditer(text)]
        found = []
        done = 0
        for m in self.bracketed.finditer(text):
            start = m.start()
            while start > done and text[start - 1] in " \t":
                start -= 1
            found.append((start, m.end(), m.group("word")))
            done = m.end()
        return found


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
        for start, end, word in symbol_words.find(text):
            edits.append((start, end, symbol_words.symbols[word.lower()]))
    if _MAYBE_SPACED.search(text):
        for m in _SPACED.finditer(text):
            edits += [(m.start() + i, m.start() + i + 1, "") for i in range(1, len(m.group()), 2)]
    if _MAYBE_DOTTED.search(text):
        for m in _DOTTED.finditer(text):
            if join_dotted(m.group()) != m.group():
                edits += [(m.start() + i, m.start() + i + 1, "") for i, c in enumerate(m.group()) if c == "."]
    return Rewritten(text, sorted(edits))
