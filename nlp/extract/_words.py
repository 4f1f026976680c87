r"""Letter words of a text (``[^\W\d_]+(?:'[^\W\d_]+)?``) found without a regex match per word."""

from __future__ import annotations

import re

LETTER_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
#: Every ASCII character that no ``LETTER_WORD`` match holds (all but the letters and "'") becomes a
#: blank; the bytes of UTF-8 sequences (128 and up) stay.
_ASCII_NON_LETTERS = bytes(c if c >= 128 or chr(c).isalpha() or chr(c) == "'" else 32 for c in range(256))


def letter_words(text: str) -> list[str]:
    """The matches of ``LETTER_WORD`` in ``text``, in order.

    ``findall`` costs ~1,000 instructions per word, most of it per match, not per character. No match
    holds an ASCII non-letter (other than "'") or a blank, so blanking those (a byte ``translate`` of the
    UTF-8 text, which leaves every multi-byte character as it is) and a ``split``, all in C, cut the text
    into chunks whose matches are the text's; a chunk of ASCII letters alone is one match, and only the
    others (with "'" or non-ASCII characters, a few per ad) go to ``findall``.
    """
    out: list[str] = []
    for chunk in (
        text.encode("utf-8", "surrogatepass").translate(_ASCII_NON_LETTERS).decode("utf-8", "surrogatepass").split()
    ):
        if chunk.isascii() and "'" not in chunk:
            out.append(chunk)
        else:
            out += LETTER_WORD.findall(chunk)
    return out
