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

    @classmethod
    def from_lexicon(cls, lex: dict) -> PriceRules:
        currencies = {str(k).lower(): v for k, v in lex.get("currencies", {}).items()}
        units = {" ".join(str(w).lower().split()): per for per, words in lex.get("units", {}).items() for w in words}
        cur = alternation(currencies)
        unit = alternation(units)
        conn = alternation(lex.get("per_connectors", []))
        return cls(
            cur_first=re.compile(rf"{first_chars(currencies)}(?P<cur>{cur})[ \t]*{_AMOUNT}", re.IGNORECASE),
            cur_after=re.compile(
                rf"{_BOUNDED_AMOUNT}[ \t]*(?P<cur>{alternation(currencies, bound_left=False)})", re.IGNORECASE
            ),
            dash_form=re.compile(r"(?P<amt>\d(?<![\w.,]\d)\d{1,4})[ \t]*,-"),
            per_after=re.compile(rf"[ \t]*(?:(?:{conn})[ \t]*){{0,2}}(?P<unit>{unit})", re.IGNORECASE),
            unit_before=re.compile(
                rf"{first_chars(units)}(?P<unit>{unit})[ \t]*[:=\-–]?[ \t]*(?:{cur})?[ \t]*$", re.IGNORECASE
            ),
            unit_amount=re.compile(rf"{_BOUNDED_AMOUNT}[ \t]*(?:{conn})[ \t]*(?P<unit>{unit})", re.IGNORECASE),
            currencies=currencies,
            units=units,
            default_currency=str(lex.get("default_currency", "EUR")),
            min_amount=int(lex.get("min_amount", 10)),
            max_amount=int(lex.get("max_amount", 5000)),
        )

    def per(self, unit_text: str) -> str:
        return self.units.get(" ".join(unit_text.lower().split()), "")


def find_prices(view: View, rules: PriceRules, taken: SpanSet) -> list[Found]:
    """Prices with their source span; ``taken`` spans (phones, ages) are never prices."""
    text = view.text
    found: list[Found] = []
    spans = SpanSet()
    # Every reading holds an amount within one line. The two that open with a currency or run a
    # connector alternation search only the lines with a digit; the two that open with the digit
    # search the whole text in one pass, which is cheaper (same matches: test_nlp_speedups.py).
    hits = [
        *view.finditer_digit_lines(rules.cur_first),
        *rules.cur_after.finditer(text),
        *rules.dash_form.finditer(text),
        *view.finditer_digit_lines(rules.unit_amount),
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
