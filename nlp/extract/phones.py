"""Phone numbers to E.164, including spaced, dotted, worded and look-alike forms.

Digit runs in the ``full`` view are split into groups; the longest window of
groups that ``phonenumbers`` accepts as a valid number (trying the configured
regions in order for national forms) wins, so "22 jaar 06 1234 5678" and two
numbers separated by "/" come apart correctly.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass

import phonenumbers

from nlp.extract import Found
from nlp.extract._phrases import alternation, first_char_set, first_chars
from nlp.extract.phone_fast import FastParser
from nlp.rewrite import Rewritten, View

#: A run of digits and separators, optionally after "+" or a word-initial "00". Written as the plain
#: ``(?:\+[ \t.\-]{0,2}|\b00)?\d(?:...)+`` with its first character ("+" or a digit) taken first and
#: the three openings told apart by look-behinds after it: ``re`` then scans for that character
#: class in C instead of trying the pattern at every position (same matches: test_nlp_speedups.py).
_RUN_SEPARATORS = r"(?:[ \t.\-/()*_|,]{0,3}\d)+"
_RUN = re.compile(rf"[+\d](?:(?<=\+)[ \t.\-]{{0,2}}\d|(?<=0)(?<!\w0)0\d|(?<=\d)){_RUN_SEPARATORS}")
_GROUP = re.compile(r"\d+")


@dataclass(frozen=True)
class PhoneRules:
    regions: tuple[str, ...]
    min_digits: int = 8
    max_digits: int = 15
    normal_separators: str = " -./()+"
    max_single_digit_groups: int = 3
    max_attempts: int = 2000  # failed parses per document: bounds the cost of pathological digit soup
    joiners: re.Pattern[str] | None = None  # "061 ... 2340069", "+3161234 en dan 0012"

    @classmethod
    def from_lexicon(cls, lex: dict) -> PhoneRules:
        p = lex.get("phones", {})
        return cls(
            regions=tuple(p.get("regions", ["NL"])),
            min_digits=int(p.get("min_digits", 8)),
            max_digits=int(p.get("max_digits", 15)),
            normal_separators=str(p.get("normal_separators", " -./()+")),
            max_single_digit_groups=int(p.get("max_single_digit_groups", 3)),
            joiners=_joiners(p.get("joiners", []), bool(p.get("plus_joiner", False))),
        )


def _joiners(words: list[str], plus: bool) -> re.Pattern[str] | None:
    """Words between two halves of a number, and a "+" before a short remainder ("+316123 + 40209").

    Never joins on a whole second number: a word joiner is refused before a national
    number ("0612345678"), the "+" before anything of nine digits or more ("... +31 6 1234 5678").
    """
    alts = []
    firsts = r" \t,"  # a joiner starts with a blank, a comma, a joiner word or (below) a "+"
    if words:
        firsts += first_char_set(words)
        alts.append(
            rf"[ \t]*,?[ \t]*{first_chars(words)}(?:{alternation(words)})[ \t]*,?[ \t]*(?=\d)(?!0(?:[ \t.\-]?\d){{8}})"
        )
    if plus:
        alts.append(r"[ \t]*\+[ \t]*(?=\d)(?!(?:\d[ \t.\-]?){9})")
        firsts += r"\+"
    if not alts:
        return None
    joiner = rf"(?P<joiner>(?=[{firsts}])(?:{'|'.join(alts)}))"
    # "A digit, then the joiner" lets ``re`` jump from digit to digit; a leading look-behind "(?<=\d)"
    # is tried at every position. The same joiners are found as long as no joiner word holds a digit
    # (then a joiner can neither end on the digit the next one needs, nor start on one).
    if any(ch.isdigit() for word in words for ch in str(word)):
        return re.compile(rf"(?<=\d){joiner}", re.IGNORECASE)
    return re.compile(rf"\d{joiner}", re.IGNORECASE)


@functools.cache
def _fast_parser(regions: tuple[str, ...]) -> FastParser:
    return FastParser(regions)


def _parse_uncached(digits: str, international: bool, regions: tuple[str, ...]) -> str | None:
    """E.164 of the first reading ``phonenumbers`` accepts as a valid number (a pure function of its arguments).

    Clean numbers of the configured regions are answered from phonenumbers' metadata directly
    (:mod:`nlp.extract.phone_fast`, exact); the rest go through ``phonenumbers.parse``.
    """
    fast = _fast_parser(regions).e164(digits, international)
    return fast if fast is not None else parse_with_phonenumbers(digits, international, regions)


def parse_with_phonenumbers(digits: str, international: bool, regions: tuple[str, ...]) -> str | None:
    """:func:`_parse_uncached` without the fast path: ``phonenumbers.parse`` + ``is_valid_number``."""
    candidates = [("+" + digits, None)] if international else [(digits, r) for r in regions]
    for number, region in candidates:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None


#: Bounded memo of :func:`_parse_uncached` (~30 us a call). The same numbers recur across ads, so most
#: calls are repeats; ``bench/bench_nlp.py --no-phone-memo`` measures without it.
PARSE_MEMO_SIZE = 4096
_parse = functools.lru_cache(maxsize=PARSE_MEMO_SIZE)(_parse_uncached)


def use_parse_memo(enabled: bool) -> None:
    """Switch the memo of phone parses on (the default) or off (for measuring); starts it empty."""
    global _parse
    _parse = functools.lru_cache(maxsize=PARSE_MEMO_SIZE)(_parse_uncached) if enabled else _parse_uncached


def parse_memo_info() -> functools._CacheInfo | None:
    """Hits and misses of the memo since it was (re)created; None when it is off."""
    return _parse.cache_info() if hasattr(_parse, "cache_info") else None


def _obfuscated(text: str, groups: list[re.Match[str]], rules: PhoneRules) -> bool:
    between = "".join(text[a.end() : b.start()] for a, b in itertools.pairwise(groups))
    if any(ch not in rules.normal_separators for ch in between):
        return True
    return sum(len(g.group()) == 1 for g in groups) > rules.max_single_digit_groups


def find_phones(view: View, rules: PhoneRules) -> list[Found]:
    """Every valid phone number in ``view`` as E.164, with its source span."""
    if rules.joiners is not None:
        joined = Rewritten(view.text, [(*m.span("joiner"), " ") for m in rules.joiners.finditer(view.text)])
        if not joined.identity:
            view = View([*view.layers, joined])
    text = view.text
    found: list[Found] = []
    attempts = 0
    for run in _RUN.finditer(text):
        if run.end() - run.start() < rules.min_digits:
            continue  # fewer characters than a number has digits ("9:30-10", "150"): nothing to parse
        groups = list(_GROUP.finditer(text, run.start(), run.end()))
        i = 0
        while i < len(groups) and attempts < rules.max_attempts:
            first = groups[i]
            before = text[max(0, first.start() - 3) : first.start()].rstrip(" \t.-")
            plus = before.endswith("+")
            plus_at = first.start() - (len(text[max(0, first.start() - 3) : first.start()]) - len(before)) - 1
            lead = first.group()
            if not (plus or lead.startswith("0")):
                i += 1
                continue
            match = None
            digits = ""
            windows: list[tuple[int, str]] = []
            for j in range(i, len(groups)):
                g = groups[j]
                # "+31 (0)6": the national trunk zero in brackets after a country code is not dialled.
                if (
                    j > i
                    and g.group() == "0"
                    and text[g.start() - 1 : g.start()] == "("
                    and (plus or lead.startswith("00"))
                ):
                    continue
                digits += g.group()
                if len(digits) > rules.max_digits + 2:
                    break
                if len(digits) >= rules.min_digits:
                    windows.append((j, digits))
            for j, digits in reversed(windows):
                attempts += 1
                international = plus or digits.startswith("00")
                number = digits[2:] if digits.startswith("00") else digits
                e164 = _parse(number, international, rules.regions)
                if e164:
                    attempts -= 1  # only failures count against the budget
                    match = j, e164, plus
                    break
                # "18+ 0612345678": the "+" belonged to the text before.
                if plus and digits.startswith("0") and (e164 := _parse(digits, False, rules.regions)):
                    match = j, e164, False
                    break
                if attempts >= rules.max_attempts:
                    break
            if match is None:
                i += 1
                continue
            j, e164, with_plus = match
            start = plus_at if with_plus else first.start()
            end = groups[j].end()
            span = view.to_source(start, end)
            obfuscated = view.edited_within(start, end) or _obfuscated(text, groups[i : j + 1], rules)
            found.append(Found(e164, span[0], span[1], obfuscated))
            i = j + 1
    return found
