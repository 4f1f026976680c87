"""Language identification from function-word counts (no model, no download).

Ads are short and mix languages ("Nieuw in Utrecht, 24/7, new in town"), so a
count of very common words is both fast and robust enough to pick the
pipeline; accuracy is measured by ``signaal nlp evaluate`` on the fixtures.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

from nlp.extract._words import letter_words
from nlp.lexicon import DATA_DIR, _read

UNDETERMINED = "und"


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
    for langs, n in Counter(filter(None, map(index.get, letter_words(text[:max_chars].lower())))).items():
        for lang in langs:
            counts[lang] += n
    if not counts:
        return UNDETERMINED
    best = max(counts.values())
    return next(lang for lang in order if counts[lang] == best)
