"""Prices as {amount, currency, per} ("€150 per uur", "80,- p/h", "half uur: 80").

A bare number is a price only with a currency, the Dutch ",-" or a time unit
around it; the unit ("per") is read right after the amount or, in price
lists, right before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.extract import Found, SpanSet, overlaps
from nlp.extract._phrases import alternation, first_chars
from nlp.extract._regex import _case_traps
from nlp.rewrite import View

_AMOUNT = r"(?P<amt>\d{1,5})(?:[.,](?P<cents>\d{2}))?(?![\d])(?:[ \t]*,-|[ \t]*,--)?"
# The same amount, not right after a word character, "." or ",": the first digit comes first and the
# look-behind right after it, so ``re`` jumps from digit to digit (a leading look-behind would be
# tried at every position of the text).
_BOUNDED_AMOUNT = _AMOUNT.replace(r"(?P<amt>\d{1,5})", r"(?P<amt>\d(?<![\w.,]\d)\d{0,4})", 1)


@dataclass(frozen=True)
class PriceRules:
    cur_first: re.Pattern[str]
    cur_after: re.Pattern[str]
    dash_form: re.Pattern[str]
    per_after: re.Pattern[str]
    unit_before: re.Pattern[str]
    unit_amount: re.Pattern[str]
    currencies: dict[str, str]
    units: dict[str, str]
    default_currency: str
    min_amount: int
    max_amount: int
    #: Characters a currency can end with in a text (see :func:`currency_first`); empty when the
    #: currencies are not all plain words or single symbols, and ``cur_first`` then scans the text.
    cur_last_chars: frozenset[str] = frozenset()
    max_cur_len: int = 0

    @classmethod
    def from_lexicon(cls, lex: dict) -> PriceRules:
        currencies = {str(k).lower(): v for k, v in lex.get("currencies", {}).items()}
        units = {" ".join(str(w).lower().split()): per for per, words in lex.get("units", {}).items() for w in words}
        cur = alternation(currencies)
        unit = alternation(units)
        connectors = lex.get("per_connectors", [])
        conn = alternation(connectors)
        # First-character lookaheads after the amount: most numbers are followed by none of them.
        conn_first, unit_or_conn_first = first_chars(connectors), first_chars([*connectors, *units])
        return cls(
            cur_first=re.compile(rf"{first_chars(currencies)}(?P<cur>{cur})[ \t]*{_AMOUNT}", re.IGNORECASE),
            cur_after=re.compile(
                rf"{_BOUNDED_AMOUNT}[ \t]*{first_chars(currencies)}"
                rf"(?P<cur>{alternation(currencies, bound_left=False)})",
                re.IGNORECASE,
            ),
            dash_form=re.compile(r"(?P<amt>\d(?<![\w.,]\d)\d{1,4})[ \t]*,-"),
            per_after=re.compile(
                rf"[ \t]*{unit_or_conn_first}(?:(?:{conn})[ \t]*){{0,2}}(?P<unit>{unit})", re.IGNORECASE
            ),
            unit_before=re.compile(
                rf"{first_chars(units)}(?P<unit>{unit})[ \t]*[:=\-–]?[ \t]*(?:{cur})?[ \t]*$", re.IGNORECASE
            ),
            unit_amount=re.compile(
                rf"{_BOUNDED_AMOUNT}[ \t]*{conn_first}(?:{conn})[ \t]*(?P<unit>{unit})", re.IGNORECASE
            ),
            currencies=currencies,
            units=units,
            default_currency=str(lex.get("default_currency", "EUR")),
            min_amount=int(lex.get("min_amount", 10)),
            max_amount=int(lex.get("max_amount", 5000)),
            cur_last_chars=_currency_last_chars(currencies),
            max_cur_len=max(map(len, currencies), default=0),
        )

    def per(self, unit_text: str) -> str:
        return self.units.get(" ".join(unit_text.lower().split()), "")


def _currency_last_chars(currencies: dict[str, str]) -> frozenset[str]:
    """Every character that can end a currency match of ``cur_first`` (case-insensitive), or none.

    Only when each currency is a word of letters (bounded by ``alternation`` on both sides) or one
    symbol that is no word character; the characters are the last letters in both cases, the
    non-ASCII characters ``re`` equates with an ASCII letter, and the symbols.
    """
    chars: set[str] = set()
    for cur in currencies:
        if cur.isascii() and cur.isalpha():
            chars.update((cur[-1].lower(), cur[-1].upper()))
        elif len(cur) == 1 and not re.match(r"\w|\s", cur):
            chars.add(cur)
        else:
            return frozenset()
    return frozenset(chars | _case_traps()) if chars else frozenset()


_DIGIT_RUN = re.compile(r"\d+")
_WORD_RUN_END = re.compile(r"\w+\Z")


def currency_first(text: str, rules: PriceRules) -> list[re.Match[str]]:
    """``rules.cur_first.finditer(text)``, found from the amounts instead of from every letter.

    A match is a currency, blanks and an amount, so it starts right before a digit run: at the
    symbol before it, or at the start of the word before its blanks (a currency word is bounded
    by non-word characters, a symbol is no word character). ``cur_first.match`` decides at those
    few places, in text order, skipping places inside an earlier match as ``finditer`` does; the
    test compares both on any text.
    """
    if not rules.cur_last_chars:
        return list(rules.cur_first.finditer(text))
    last_chars, longest, match = rules.cur_last_chars, rules.max_cur_len, rules.cur_first.match
    found: list[re.Match[str]] = []
    done = 0  # end of the last match
    for run in _DIGIT_RUN.finditer(text):
        end = q = run.start()
        while q > 0 and text[q - 1] in " \t":
            q -= 1
        if q == 0 or text[q - 1] not in last_chars:
            continue
        if q < end:  # blanks before the amount: a currency word ends at q (or a symbol does)
            word = _WORD_RUN_END.search(text, max(0, q - longest - 1), q)
            start = q - 1 if word is None else word.start()
            if word is not None and word.start() == q - longest - 1:
                continue  # a word longer than every currency
        else:
            start = q - 1  # a symbol right before the amount (a word would need a blank)
        if start >= done and (m := match(text, start)) is not None:
            found.append(m)
            done = m.end()
    return found


def find_prices(view: View, rules: PriceRules, taken: SpanSet) -> list[Found]:
    """Prices with their source span; ``taken`` spans (phones, ages) are never prices."""
    text = view.text
    found: list[Found] = []
    spans = SpanSet()
    # The currency-first reading is looked for from the amounts; the three that open with the
    # digit search the whole text, each in one pass (``re`` finds the digits by itself).
    hits = [
        *currency_first(text, rules),
        *rules.cur_after.finditer(text),
        *rules.dash_form.finditer(text),
        *rules.unit_amount.finditer(text),
    ]  # in this order: the sort below keeps it among equal readings
    # One amount, several readings: the one that names a currency wins, then the longest.
    for m in sorted(hits, key=lambda h: (h.start("amt"), "cur" not in h.re.groupindex, -(h.end() - h.start()))):
        if overlaps(m.start("amt"), m.end("amt"), spans):
            continue
        amount = int(m.group("amt"))
        if not rules.min_amount <= amount <= rules.max_amount:
            continue
        groups = m.groupdict()
        currency = rules.currencies.get((groups.get("cur") or "").lower(), rules.default_currency)
        per = rules.per(groups["unit"]) if groups.get("unit") else ""
        end = m.end()
        if not per:
            after = rules.per_after.match(text, m.end())
            if after:
                per, end = rules.per(after.group("unit")), after.end()
        start = m.start()
        if not per:
            before = rules.unit_before.search(text[max(0, m.start() - 25) : m.start()])
            if before:
                per = rules.per(before.group("unit"))
        src = view.to_source(start, end)
        if overlaps(src[0], src[1], taken):
            continue
        spans.add(m.start("amt"), m.end("amt"))
        found.append(Found({"amount": amount, "currency": currency, "per": per or None}, src[0], src[1]))
    # "maar 40 euro" in a title and "€40/u" in the body are one price: keep the one with its unit.
    with_unit = {(f.value["amount"], f.value["currency"]) for f in found if f.value["per"]}
    found = [f for f in found if f.value["per"] or (f.value["amount"], f.value["currency"]) not in with_unit]
    found.sort(key=lambda f: f.start)
    return found
