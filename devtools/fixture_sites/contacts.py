"""Synthetic contact details (phones, e-mails, handles) and the many ways ads write them.

Phone numbers come from fixed fictional blocks (``contacts.yaml``), allocated sequentially so that two
advertisers never share a number by accident: a shared number in the ground truth is always a real link.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate
from random import Random

from devtools.fixture_sites.data import load
from devtools.fixture_sites.numwords import digit_word

QUARTETS = ("q1", "q2", "q3", "q4", "q5")


@dataclass(frozen=True, slots=True)
class Phone:
    """One fictional phone number: its country block, E.164 form and subscriber digits."""

    country: str
    e164: str
    subscriber: str


class PhoneBook:
    """Hands out unique fictional numbers, one block per country, in a deterministic order."""

    def __init__(self) -> None:
        self._spec = load("contacts")["phones"]
        self._next = dict.fromkeys(self._spec, 0)
        self._countries = list(self._spec)
        self._cum_weights: dict[float, list[float]] = {}

    def allocate(self, rng: Random, foreign_factor: float = 1.0) -> Phone:
        """Return the next unused number of a country drawn by weight (foreign blocks scaled by ``foreign_factor``)."""
        cum = self._cum_weights.get(foreign_factor)
        if cum is None:
            weights = [self._spec[c]["weight"] * (1.0 if c == "NL" else foreign_factor) for c in self._countries]
            cum = self._cum_weights[foreign_factor] = list(accumulate(weights))
        country = rng.choices(self._countries, cum_weights=cum)[0]
        spec = self._spec[country]
        index = self._next[country]
        self._next[country] = index + 1
        width = spec["subscriber_digits"]
        subscriber = str(spec["block_start"] + index).zfill(width)
        if len(subscriber) > width:
            raise ValueError(f"fictional phone block {country} exhausted after {index} numbers")
        return Phone(country, spec["e164_prefix"] + subscriber, subscriber)


def _groups(subscriber: str) -> dict[str, str]:
    half = len(subscriber) // 2
    groups = {"s": subscriber, "h1": subscriber[:half], "h2": subscriber[half:]}
    for i in range(0, len(subscriber), 2):
        groups[QUARTETS[i // 2]] = subscriber[i : i + 2]
    return groups


def render_phone(phone: Phone, language: str, rng: Random, obfuscated: bool) -> str:
    """Write ``phone`` as an ad would: one of many usual formats, or an obfuscated one."""
    spec = load("contacts")["phones"][phone.country]
    groups = _groups(phone.subscriber)
    if not obfuscated:
        return rng.choice(spec["formats"]).format(**groups)
    plain = rng.choice(spec["plain"]).format(**groups)
    return obfuscate_digits(plain, language, rng)


def obfuscate_digits(plain: str, language: str, rng: Random) -> str:
    """Rewrite a digit string so naive filters miss it (spaced, words, look-alikes, keycap emoji, ...)."""
    cfg = load("contacts")
    kind = rng.choice(cfg["obfuscations"])
    if kind == "spaced_digits":
        return " ".join(plain)
    if kind == "dashed_digits":
        return "-".join(plain)
    if kind == "dotted_digits":
        return ".".join(plain)
    if kind == "keycaps":
        return "".join(c + cfg["keycap_suffix"] if c.isdigit() else c for c in plain)
    if kind == "lookalike":
        swaps = cfg["lookalikes"]
        return "".join(rng.choice(swaps[c]) if c in swaps else c for c in plain)
    if kind == "split_hint":
        cut = rng.randint(3, len(plain) - 3)
        return rng.choice(cfg["split_hint"][language]).format(a=plain[:cut], b=plain[cut:])
    words = [("plus" if c == "+" else digit_word(int(c), language, rng)) for c in plain]
    if kind == "words_mixed":
        cut = rng.randint(2, 4)
        return " ".join(words[:cut]) + " " + plain[cut:]
    return " ".join(words)


def render_email(user: str, host: str, language: str, rng: Random, obfuscated: bool) -> str:
    """Write an e-mail address plainly or with "[at]"/"(dot)" style obfuscation."""
    cfg = load("contacts")
    if not obfuscated:
        return rng.choice(cfg["email_plain"]).format(user=user, host=host)
    dot = rng.choice([" (dot) ", "[.]", " [dot] ", "(punt)" if language == "nl" else "(dot)"])
    word = " punt " if language == "nl" else " dot "
    return rng.choice(cfg["email_obfuscated"]).format(
        user=user, host=host, host_dot=host.replace(".", dot), host_words=host.replace(".", word)
    )


def render_handle(platform: str, handle: str, rng: Random) -> str:
    """Write a messaging handle with one of the labels ads use for its platform ("SC: name")."""
    cfg = load("contacts")
    label = rng.choice(cfg["handles"][platform])
    return rng.choice(cfg["handle_formats"]).format(label=label, handle=handle)


def handle_platforms() -> list[str]:
    """Platforms a handle can be on (the ``platform`` values in ground truth)."""
    return list(load("contacts")["handles"])


def whatsapp_label(rng: Random) -> str:
    """A label ads put before a phone number meant for WhatsApp."""
    return rng.choice(load("contacts")["whatsapp_labels"])
