"""Numbers written as words in Dutch and English ("tweeëntwintig", "twenty-two").

Ads write ages and phone digits in words to dodge filters; the generator needs every common spelling
so that the NLP is tested on more than one form.
"""

from __future__ import annotations

from random import Random

from devtools.fixture_sites.data import load


def number_words(n: int, language: str, rng: Random) -> str:
    """Return ``n`` (0..59) written in words in ``language``, picking one of the usual spellings."""
    table = load("numbers")[language]
    if n < 10:
        return digit_word(n, language, rng)
    if n < 20:
        return table["teens"][n - 10]
    tens, unit = divmod(n, 10)
    tens_word = table["tens"][tens]
    if unit == 0:
        return tens_word
    unit_word = table["digits"][unit]
    if language == "nl":
        joiner = rng.choice(table["joiner_after_e"]) if unit_word.endswith("e") else table["joiner"]
        return f"{unit_word}{joiner}{tens_word}"
    return f"{tens_word}{rng.choice(table['joiner_variants'])}{unit_word}"


def digit_word(d: int, language: str, rng: Random) -> str:
    """Return one digit as a word ("nul", "één", "oh")."""
    table = load("numbers")[language]
    alternatives = table.get("digit_alternatives", {}).get(d)
    if alternatives:
        return rng.choice(alternatives)
    return table["digits"][d]
