"""The two text normalizations every stage shares: layout-insensitive text and folded text.

One implementation each, so that the crawler's content hash, the NLP's token norms,
linking's name and word keys and the fixture sites' search agree on what "the same
text" is.
"""

from __future__ import annotations

import unicodedata


def normalize_text(text: str) -> str:
    """What counts as "the same text": NFC, single spaces, no blank lines (layout is not content)."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def fold(text: str) -> str:
    """Case- and accent-insensitive form: compatibility-decomposed, combining marks dropped, case-folded."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
