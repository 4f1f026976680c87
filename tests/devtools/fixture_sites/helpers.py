"""Test helpers: undo the obfuscations the generator uses, so truth can be found back in the text."""

from __future__ import annotations

import re

DIGIT_WORDS = {
    "nul": "0",
    "een": "1",
    "één": "1",
    "twee": "2",
    "drie": "3",
    "vier": "4",
    "vijf": "5",
    "zes": "6",
    "zeven": "7",
    "acht": "8",
    "negen": "9",
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "plus": "+",
}
LOOKALIKES = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1"})


def digits_only(text: str) -> str:
    """All digits of a text after undoing words, look-alikes and keycap emoji (order kept)."""
    text = text.replace("\ufe0f\u20e3", "")
    words = re.split(r"(\W+)", text)
    out = []
    for word in words:
        low = word.lower()
        if low in DIGIT_WORDS:
            out.append(DIGIT_WORDS[low])
        elif re.fullmatch(r"[0-9OolI+\-.()]+", word) and any(c.isdigit() for c in word):
            out.append(word.translate(LOOKALIKES))
        else:
            out.append(word)
    return re.sub(r"\D", "", "".join(out))


def national_forms(e164: str) -> list[str]:
    """Digit strings a phone can appear as: international without '+', with 00, or national with 0."""
    cc_len = 2
    international = e164.lstrip("+")
    rest = international[cc_len:]
    return [international, "00" + international, "0" + rest, rest]


def phone_in_text(e164: str, text: str) -> bool:
    """True when the phone's digits appear in the text, line by line, once obfuscation is undone."""
    for line in text.splitlines():
        digits = digits_only(line)
        if any(form in digits for form in national_forms(e164)):
            return True
    return False


def email_in_text(email: str, text: str) -> bool:
    """True when the e-mail appears, also as 'user [at] host (dot) com' and similar."""
    flat = text.lower()
    for pattern, repl in (
        (r"\s*(\[at\]|\(at\)|\[@\]| at | apenstaartje |\s@\s)\s*", "@"),
        (r"\s*(\(dot\)|\[dot\]|\[\.\]|\(punt\)| dot | punt )\s*", "."),
    ):
        flat = re.sub(pattern, repl, flat)
    flat = flat.replace(" @ ", "@")
    return email in flat
