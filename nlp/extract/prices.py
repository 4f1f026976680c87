"""Prices as {amount, currency, per} ("€150 per uur", "80,- p/h", "half uur: 80", "300 voor 2 uur").

A bare number is a price only with a currency, the Dutch ",-" or a duration
around it; the unit ("per") is read right after the amount or, in price
lists, right before it. A duration is a slot, not a list of phrases: a number
of hours or minutes ("2 uur", "90 minutes", "1,5 uur": an hour, a half or a
quarter hour when it is one, else a "visit"), or a word for one (``units`` in
prices.yaml: "uur", "half hour", "avond", "overnight"). A bare amount before
"uur" is a price only above 24 ("tot 22 uur" is a time); in a list whose
units follow the amounts ("40 half hour, 70 hour") the unit right after an
amount wins over the one before it.
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
    #: "half uur 90", "1 hour: 170": a duration, then an amount without a currency.
    unit_first: re.Pattern[str] | None = None
    #: The same reading up to the amount, anchored at the amount (how :func:`unit_first` finds it).
    unit_before_amount: re.Pattern[str] | None = None
    #: Minutes of a numeric duration -> per ("15" -> quarter_hour); others are a "visit".
    per_minutes: dict[int, str] | None = None
    #: The largest bare amount before an hour unit that is a time of day, not a price ("tot 22 uur").
    max_clock_hour: int = 24
    #: Longer "N uur" is a time of day ("vanaf 12 uur"), not a duration.
    max_hours: float = 6
    #: After a unit: an amount it labels ("1 uur: 150,- / half uur: 100,-"), so it is not the unit before it.
    labels_next: re.Pattern[str] | None = None
    #: Characters a currency can end with in a text (see :func:`currency_first`); empty when the
    #: currencies are not all plain words or single symbols, and ``cur_first`` then scans the text.
    cur_last_chars: frozenset[str] = frozenset()
    max_cur_len: int = 0
    #: How the units (with the durations' words), and the units, leads and currencies, end: their last
    #: ASCII-letter runs and their other last characters (see :func:`may_follow_unit`).
    unit_ends: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
    tail_ends: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())

    @classmethod
    def from_lexicon(cls, lex: dict) -> PriceRules:
        currencies = {str(k).lower(): v for k, v in lex.get("currencies", {}).items()}
        units = {" ".join(str(w).lower().split()): per for per, words in lex.get("units", {}).items() for w in words}
        cur = alternation(currencies)
        durations = lex.get("durations", {})
        hours, minutes = durations.get("hours", []), durations.get("minutes", [])
        # A duration slot: a number of hours or minutes ("2 uur", "90 min"), or a unit phrase.
        unit = (
            rf"(?P<dn>[1-9]\d{{0,2}}(?:[.,]\d)?)[ \t]*-?[ \t]*(?:(?P<dh>{alternation(hours, bound_left=False)})|"
            rf"(?P<dm>{alternation(minutes, bound_left=False)}))|{alternation(units)}"
            if hours and minutes
            else alternation(units)
        )
        connectors = lex.get("per_connectors", [])
        conn = alternation(connectors)
        leads = lex.get("amount_leads", [])
        lead = rf"(?:(?:{alternation(leads)})[ \t]+)?" if leads else ""
        # First-character lookaheads after the amount: most numbers are followed by none of them.
        unit_or_conn_first = first_chars([*connectors, *units, *"0123456789"])
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
            unit_before=re.compile(rf"(?P<unit>{unit})\)?[ \t]*[:=\-–]?[ \t]*{lead}(?:{cur})?[ \t]*$", re.IGNORECASE),
            unit_amount=re.compile(
                rf"{_BOUNDED_AMOUNT}[ \t]*{unit_or_conn_first}(?P<conn>(?:(?:{conn})[ \t]*){{0,2}})(?P<unit>{unit})",
                re.IGNORECASE,
            ),
            currencies=currencies,
            units=units,
            default_currency=str(lex.get("default_currency", "EUR")),
            min_amount=int(lex.get("min_amount", 10)),
            max_amount=int(lex.get("max_amount", 5000)),
            cur_last_chars=_currency_last_chars(currencies),
            max_cur_len=max(map(len, currencies), default=0),
            unit_first=re.compile(
                rf"(?<![\w])(?P<unit>{unit})\)?[ \t]*[:=\-–]?[ \t]*{lead}(?:(?P<cur>{cur})[ \t]*)?"
                r"(?P<amt>\d(?<![\w.,]\d)\d{1,4})(?:[ \t]*,-|[ \t]*,--)?(?![\d]|[.,:]\d)",
                re.IGNORECASE,
            ),
            unit_before_amount=re.compile(
                rf"{first_chars([*units, *'123456789'])}(?<![\w])(?P<unit>{unit})\)?[ \t]*[:=\-–]?[ \t]*{lead}"
                rf"(?:(?P<cur>{cur})[ \t]*)?$",
                re.IGNORECASE,
            ),
            unit_ends=_ends([*units, *hours, *minutes]),
            tail_ends=_ends([*units, *hours, *minutes, *leads, *currencies]),
            per_minutes={int(k): str(v) for k, v in durations.get("per_minutes", {}).items()},
            max_clock_hour=int(durations.get("max_clock_hour", 24)),
            max_hours=float(durations.get("max_hours", 6)),
            labels_next=re.compile(rf"\)?[ \t]*[:=]?[ \t]*(?:(?:{cur})[ \t]*)?\d", re.IGNORECASE),
        )

    def per(self, unit_text: str, groups: dict[str, str | None] | None = None) -> str:
        """The canonical unit of a matched duration (its groups, when it was a number of hours or minutes)."""
        if groups and groups.get("dn"):
            number = float(groups["dn"].replace(",", "."))  # type: ignore[union-attr]
            if groups.get("dh") and number > self.max_hours:
                return ""  # "vanaf 12 uur": a time of day
            minutes = number * 60 if groups.get("dh") else number
            return (self.per_minutes or {}).get(int(minutes), "visit") if minutes == int(minutes) else "visit"
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


_BARE_AMOUNT = re.compile(r"\d(?<![\w.,]\d)\d{1,4}(?!\d|[.,:]\d)")
_UNIT_LOOKBACK = 40
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_WORD_CHAR = re.compile(r"\w")


#: What may stand between a unit and its amount: ``\)?[ \t]*[:=\-–]?`` in ``unit_before_amount``.
_UNIT_SEPARATORS = frozenset(":=-–")


def _ends(phrases: list) -> tuple[frozenset[str], frozenset[str]]:
    """(the ASCII letters each phrase ends with, lower-cased, for those ending with one ("p/h" -> "h",
    "half uur" -> "uur"); the last characters of the others ("€", "u."))."""
    words, chars = set(), set()
    for phrase in phrases:
        text = str(phrase).strip().lower()
        k = len(text)
        while k > 0 and text[k - 1] in _ASCII_LETTERS:
            k -= 1
        if k < len(text):
            words.add(text[k:])
        elif text:
            chars.add(text[-1])
    return frozenset(words), frozenset(chars)


def _blanks_before(text: str, q: int) -> int:
    while q > 0 and text[q - 1] in " \t":
        q -= 1
    return q


def _ends_with(text: str, q: int, ends: tuple[frozenset[str], frozenset[str]]) -> bool:
    """False when ``text[:q]`` cannot end with one of the phrases whose ends are ``ends`` (see :func:`_ends`).

    Judged from the ASCII letters it ends with, or its last character; a non-ASCII letter (which
    ``re``'s case folding may equate with an ASCII one) is left to the pattern.
    """
    if q == 0:
        return False
    words, chars = ends
    c = text[q - 1]
    if c in _ASCII_LETTERS:
        k = q - 1
        while k > 0 and text[k - 1] in _ASCII_LETTERS:
            k -= 1
        if k > 0 and not text[k - 1].isascii() and _WORD_CHAR.match(text, k - 1):
            return True
        return text[k:q].lower() in words
    return c in chars or (not c.isascii() and _WORD_CHAR.match(c) is not None)


def may_follow_unit(text: str, start: int, rules: PriceRules) -> bool:
    """False when ``rules.unit_before_amount`` cannot end at ``start`` (an amount): the text before it,
    read backwards as that pattern reads forwards (unit, ")", separator, lead word, currency, blanks),
    must end with a unit, lead or currency word ("uur", "vanaf", "eur") or character ("€"), or with a
    separator or ")" right after a unit ("uur: 90", "(1 uur) 90"). Most amounts follow a name, a comma,
    a line break or a time ("9:30"), and need no search.
    """
    q = _blanks_before(text, start)
    if q == 0:
        return False
    if _ends_with(text, q, rules.tail_ends):
        return True
    if text[q - 1] in _UNIT_SEPARATORS:
        q = _blanks_before(text, q - 1)
    if q > 0 and text[q - 1] == ")":
        q -= 1
    return _ends_with(text, q, rules.unit_ends)


def unit_first(text: str, rules: PriceRules) -> list[re.Match[str]]:
    """The matches of ``rules.unit_first`` ("half uur 90"), found from the amounts backwards.

    Its units open with most letters, so a scan of the text would try the pattern almost
    everywhere; a match ends with an amount, so it is looked for right before each amount
    (``unit_before_amount``) and then matched from the unit on, as ``finditer`` would find it.
    Most amounts follow a name, a comma or a line break: :func:`may_follow_unit` skips those.
    """
    found: list[re.Match[str]] = []
    done = 0
    for amount in _BARE_AMOUNT.finditer(text):
        start = amount.start()
        if not may_follow_unit(text, start, rules):
            continue
        before = rules.unit_before_amount.search(text, max(done, start - _UNIT_LOOKBACK), start)  # type: ignore[union-attr]
        if before is None:
            continue
        m = rules.unit_first.match(text, before.start("unit"))  # type: ignore[union-attr]
        if m is not None and m.start("amt") == start:
            found.append(m)
            done = m.end()
    return found


def find_prices(view: View, rules: PriceRules, taken: SpanSet) -> list[Found]:
    """Prices with their source span; ``taken`` spans (phones, ages) are never prices."""
    text = view.text
    found: list[Found] = []
    spans = SpanSet()
    # The currency-first reading is looked for from the amounts; the others open with the digit (or
    # the duration) and search the whole text, each in one pass.
    hits = [
        (_CURRENCY, m) for m in (*currency_first(text, rules), *rules.cur_after.finditer(text))
    ]  # in this order: the sort below keeps it among equal readings
    hits += [(_DASH, m) for m in rules.dash_form.finditer(text)]
    hits += [(_unit_after_rank(m.group("conn")), m) for m in rules.unit_amount.finditer(text)]
    if rules.unit_first is not None:
        hits += [(_UNIT_BEFORE, m) for m in unit_first(text, rules)]
    # One amount, several readings: one that names a currency wins, then a unit right after the
    # amount, then a unit before it, then a unit after a connector; among equals the longest.
    for _, m in sorted(hits, key=lambda h: (h[1].start("amt"), h[0], -(h[1].end() - h[1].start()))):
        if overlaps(m.start("amt"), m.end("amt"), spans):
            continue
        amount = int(m.group("amt"))
        if not rules.min_amount <= amount <= rules.max_amount:
            continue
        groups = m.groupdict()
        currency = rules.currencies.get((groups.get("cur") or "").lower(), rules.default_currency)
        per = rules.per(groups["unit"], groups) if groups.get("unit") else ""
        if groups.get("unit") and not per:
            continue  # the duration read as none ("vanaf 12 uur 140": a time)
        end = m.end()
        if not per:
            after = rules.per_after.match(text, m.end())
            if after and not (rules.labels_next and rules.labels_next.match(text, after.end())):
                per, end = rules.per(after.group("unit"), after.groupdict()), after.end()
        start = m.start()
        if not per:
            before = rules.unit_before.search(text[max(0, m.start() - 25) : m.start()])
            if before:
                per = rules.per(before.group("unit"), before.groupdict())
        if not groups.get("cur") and "unit" in m.re.groupindex and not _plausible_bare(m, amount, per, text, rules):
            continue
        src = view.to_source(start, end)
        if overlaps(src[0], src[1], taken):
            continue
        spans.add(min(start, m.start("amt")), end)  # the whole reading: "30 euro 15 min" holds no price "15"
        found.append(Found({"amount": amount, "currency": currency, "per": per or None}, src[0], src[1]))
    # "maar 40 euro" in a title and "€40/u" in the body are one price: keep the one with its unit.
    with_unit = {(f.value["amount"], f.value["currency"]) for f in found if f.value["per"]}
    found = [f for f in found if f.value["per"] or (f.value["amount"], f.value["currency"]) not in with_unit]
    found.sort(key=lambda f: f.start)
    return found


# Reading ranks, best first (see find_prices).
_CURRENCY, _DASH, _UNIT_RIGHT_AFTER, _UNIT_AFTER_WORD, _UNIT_BEFORE, _UNIT_AFTER_SLASH = range(6)


def _unit_after_rank(connector: str) -> int:
    """ "150 uur" and "150 per uur" name their unit; in "Half uur 90 / Uur 150" the "/" separates items."""
    if not connector.strip():
        return _UNIT_RIGHT_AFTER
    return _UNIT_AFTER_SLASH if connector.strip() == "/" else _UNIT_AFTER_WORD


_POSTCODE = re.compile(r"\d{4}[ \t]?[A-Z]{2}(?![A-Za-z])")


def _plausible_bare(m: re.Match[str], amount: int, per: str, text: str, rules: PriceRules) -> bool:
    """A bare amount with a duration is a price unless it reads as a time ("tot 22 uur", "avond 19 uur")
    or is a postcode ("1049 HR")."""
    if _POSTCODE.match(text, m.start("amt")):
        return False
    if m.start("unit") < m.start("amt"):  # "half uur 90"
        return amount > rules.max_clock_hour or not rules.per_after.match(text, m.end())
    return bool(m.groupdict().get("conn")) or per != "hour" or amount > rules.max_clock_hour
