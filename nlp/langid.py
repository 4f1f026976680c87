"""Language identification from function-word counts (no model, no download).

Ads are short and mix languages ("Nieuw in Utrecht, 24/7, new in town"), so a
count of very common words is both fast and robust enough to pick the
pipeline; accuracy is measured by ``signaal nlp evaluate`` on the fixtures.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

from nlp.lexicon import DATA_DIR, _read

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
UNDETERMINED = "und"
#: Every ASCII character that no ``_WORD`` match holds (all but the letters and "'") becomes a blank; the
#: bytes of UTF-8 sequences (128 and up) stay.
_ASCII_NON_LETTERS = bytes(c if c >= 128 or chr(c).isalpha() or chr(c) == "'" else 32 for c in range(256))


def words(text: str) -> list[str]:
    """The matches of ``_WORD`` in ``text``, in order.

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
            out += _WORD.findall(chunk)
    return out


@cache
def _word_languages() -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    languages: dict[str, list[str]] = _read(DATA_DIR / "langid.yaml")["languages"]
    index: dict[str, list[str]] = {}
    for lang, words in languages.items():
        for word in words:
            index.setdefault(str(word).lower(), []).append(lang)
    return tuple(languages), {w: tuple(langs) for w, langs in index.items()}


def identify(text: str, *, max_chars: int = 4000) -> str:
    """ISO 639-1 code of the most likely language of ``text``, or ``"und"``."""
    order, index = _word_languages()
    # Look-ups and counting of the words' language tuples run in C (``map``, ``Counter``); then each
    # distinct tuple adds its count to its languages: the same counts as one loop over the words.
    counts: Counter[str] = Counter()
    for langs, n in Counter(filter(None, map(index.get, words(text[:max_chars].lower())))).items():
        for lang in langs:
            counts[lang] += n
    if not counts:
        return UNDETERMINED
    best = max(counts.values())
    return next(lang for lang in order if counts[lang] == best)
