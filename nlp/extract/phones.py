"""Phone numbers to E.164, including spaced, dotted, worded, look-alike and linked forms.

Digit runs in the ``full`` view are split into groups, and windows of consecutive groups are
read as numbers (:mod:`nlp.extract.phone_read`: national forms in the configured regions'
preference order, international forms by their country code). The window with the best
reading wins, the longest among equals. Once a window is a number it never grows past a
break that ends a number for a reader (a parenthesis, a comma, a slash, a sentence end, a
spaced dash; unless the number is written with that separator throughout), nor takes digits
that start an age, a price, a time, a date or a postcode ("19yo", "21.00", "3511 AB"); and
no number starts inside one of those. So "06 12 34 56 78 (23 jaar)", "06-12345678, 150/h",
"12-05-2025 0612345678" and two numbers separated by "/" come apart correctly. Words always
end a run, so "06.1234.5678 I am 33" does too.

International numbers written without "+" or "00" ("WhatsApp 31612345678", ``wa.me/3161...``,
``tel:...``) are read only where the words or the link right before them say the digits are a
contact (``phones.contact_cues`` and ``phones.link_prefixes`` in contacts.yaml).
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass

from nlp.extract import Found
from nlp.extract._phrases import alternation, first_char_set, first_chars
from nlp.extract.phone_read import BARE_INTERNATIONAL, FIRST, PhoneReader, Reading, shape
from nlp.rewrite import Rewritten, View

#: A run of digits and separators, optionally after "+" or a word-initial "00". Written as the plain
#: ``(?:\+[ \t.\-]{0,2}|\b00)?\d(?:...)+`` with its first character ("+" or a digit) taken first and
#: the three openings told apart by look-behinds after it: ``re`` then scans for that character
#: class in C instead of trying the pattern at every position (same matches: test_speedups.py).
_RUN_SEPARATORS = r"(?:[ \t.\-/()*_|,~★☆✱✲✳✶✴♡♥❤]{0,3}\d)+"
_RUN = re.compile(rf"[+\d](?:(?<=\+)[ \t.\-]{{0,2}}\d|(?<=0)(?<!\w0)0\d|(?<=\d)){_RUN_SEPARATORS}")
_GROUP = re.compile(r"\d+")
#: A separator that ends a number for a reader once the digits before it are a whole number.
_BREAK = re.compile(r"[(),/|]|\.[ \t]|[ \t][-~][ \t]")
#: Characters of a contact's label or link right before its digits ("WhatsApp: ", "wa.me/", "tel:+").
_LABEL_END = re.compile(r"[ \t:=>\-+/#]*$")


@dataclass(frozen=True)
class PhoneRules:
    regions: tuple[str, ...]
    min_digits: int = 8
    max_digits: int = 15
    normal_separators: str = " -./()+"
    max_single_digit_groups: int = 3
    max_attempts: int = 2000  # failed parses per document: bounds the cost of pathological digit soup
    joiners: re.Pattern[str] | None = None  # "061 ... 2340069", "+3161234 en dan 0012"
    #: (region, pattern of words that name it, those words lower-cased): an ad that names a region
    #: reads its numbers there first.
    region_cues: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = ()
    #: Words or link prefixes right before digits that make them a contact (ends with "$").
    contact_cue: re.Pattern[str] | None = None
    #: Digits that start an age, a price, a time, a date or a postcode ("19yo", "21.00", "3511 AB"):
    #: matched where the next group starts, they are not part of a number that is complete without them.
    not_number: re.Pattern[str] | None = None

    @classmethod
    def from_lexicon(cls, lex: dict) -> PhoneRules:
        p = lex.get("phones", {})
        cues = tuple(
            (str(region), re.compile(alternation(words), re.IGNORECASE), tuple(str(w).lower() for w in words))
            for region, words in p.get("region_cues", {}).items()
            if words
        )
        return cls(
            regions=tuple(p.get("regions", ["NL"])),
            min_digits=int(p.get("min_digits", 8)),
            max_digits=int(p.get("max_digits", 15)),
            normal_separators=str(p.get("normal_separators", " -./()+")),
            max_single_digit_groups=int(p.get("max_single_digit_groups", 3)),
            joiners=_joiners(p.get("joiners", []), bool(p.get("plus_joiner", False))),
            region_cues=cues,
            contact_cue=_contact_cue(p.get("contact_cues", []), p.get("link_prefixes", [])),
            not_number=_not_number(p.get("count_units", []), p.get("not_number_shapes", [])),
        )

    @functools.cached_property
    def national_leads(self) -> tuple[tuple[str, ...], bool]:
        """(trunk prefixes a national number starts with, whether some region needs none)."""
        shapes = [s for s in map(shape, self.regions) if s is not None]
        return tuple(sorted({s.trunk for s in shapes if s.trunk})), any(not s.trunk_required for s in shapes)


def _not_number(units: list[str], shapes: list[str]) -> re.Pattern[str] | None:
    """Digits with a unit after them, or in one of ``shapes`` (case-sensitive regexes), at a group's start."""
    alts = [rf"\d+[ \t]*(?i:{alternation(units, bound_left=False)})"] if units else []
    alts += [str(shape) for shape in shapes]
    return re.compile("|".join(f"(?:{a})" for a in alts)) if alts else None


def _contact_cue(words: list[str], links: list[str]) -> re.Pattern[str] | None:
    """Words ("WhatsApp", "bel") or link prefixes ("wa.me/", "tel:") that end right before a number."""
    alts = [f"(?:{alternation(words)})"] if words else []
    alts += [re.escape(str(link).lower()) for link in sorted(links, key=len, reverse=True)]
    if not alts:
        return None
    return re.compile(rf"(?:{'|'.join(alts)}){_LABEL_END.pattern}", re.IGNORECASE)


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
        # After a country code alone ("+31 + 612340213") the rest is joined whatever its length.
        alts.append(r"(?<=\+\d)[ \t]*\+[ \t]*(?=\d)|(?<=\+\d\d)[ \t]*\+[ \t]*(?=\d)|(?<=\+\d\d\d)[ \t]*\+[ \t]*(?=\d)")
        alts.append(r"[ \t]*\+[ \t]*(?=\d)(?!(?:\d[ \t.\-()]{0,2}){9})")
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
def phone_reader(regions: tuple[str, ...]) -> PhoneReader:
    return PhoneReader(regions)


def _read_uncached(
    mode: str, digits: str, regions: tuple[str, ...], cued: tuple[str, ...], bare: bool
) -> Reading | None:
    """How ``digits`` read in ``mode`` ("international" after "+"/"00", else "national"); pure.

    ``bare``: the digits follow a contact label or link, so an international number written
    without "+" counts too (after every national reading).
    """
    reader = phone_reader(regions)
    if mode == "international":
        return reader.international(digits[2:] if digits.startswith("00") else digits)
    if mode == "later":  # asked only when no window read in a named or the first region
        return reader.national_later(digits) if reader.takes_national(digits) else None
    reading = reader.national_first(digits, cued) if reader.takes_national(digits) else None
    if reading is None and bare and not digits.startswith("0"):
        reading = reader.international(digits, BARE_INTERNATIONAL)
    return reading


#: Bounded memo of :func:`_read_uncached`. The same numbers recur across ads, so most calls are
#: repeats; ``bench/bench_nlp.py --no-phone-memo`` measures without it.
PARSE_MEMO_SIZE = 4096
_read = functools.lru_cache(maxsize=PARSE_MEMO_SIZE)(_read_uncached)


def use_parse_memo(enabled: bool) -> None:
    """Switch the memo of phone readings on (the default) or off (for measuring); starts it empty."""
    global _read
    _read = functools.lru_cache(maxsize=PARSE_MEMO_SIZE)(_read_uncached) if enabled else _read_uncached


def parse_memo_info() -> functools._CacheInfo | None:
    """Hits and misses of the memo since it was (re)created; None when it is off."""
    return _read.cache_info() if hasattr(_read, "cache_info") else None


def _obfuscated(text: str, groups: list[re.Match[str]], rules: PhoneRules) -> bool:
    between = "".join(text[a.end() : b.start()] for a, b in itertools.pairwise(groups))
    if any(ch not in rules.normal_separators for ch in between):
        return True
    return sum(len(g.group()) == 1 for g in groups) > rules.max_single_digit_groups


def _later_reading(
    text: str, groups: list[re.Match[str]], i: int, rules: PhoneRules, international: bool
) -> tuple[tuple[int, bool, int], int, Reading] | None:
    """The longest window from group ``i`` that is a valid number of a later region (no break rule:
    without a first-region reading no window was a number yet)."""
    digits = ""
    best = None
    for j in range(i, len(groups)):
        digits += groups[j].group()
        if len(digits) > rules.max_digits + 2:
            break
        if len(digits) >= rules.min_digits and (reading := _read("later", digits, rules.regions, (), False)):
            best = ((reading.tier, False, -len(digits)), j, reading)
    return best


def _breaks(text: str, before: re.Match[str], after: re.Match[str], used: set[str]) -> bool:
    """True when the separator between two digit groups ends a number for a reader.

    Not when the number is written with that separator throughout ("06/37/28/10/95", "0six,
    5two, 8four"; ``used`` holds the separators between its earlier groups), nor between single
    digits ("+44 seven seven zero zero, nine one three": the commas are pauses).
    """
    separator = text[before.end() : after.start()]
    if separator.strip() in used or (len(before.group()) == 1 and len(after.group()) == 1):
        return False
    return _BREAK.search(separator) is not None


def _inside_other_numbers(text: str, groups: list[re.Match[str]], rules: PhoneRules) -> set[int]:
    """Indexes of the groups inside a date, time, postcode or count that starts at an earlier group."""
    if rules.not_number is None:
        return set()
    inside: set[int] = set()
    for k, g in enumerate(groups):
        if k in inside or (m := rules.not_number.match(text, g.start())) is None:
            continue
        inside.update(x for x in range(k + 1, len(groups)) if groups[x].start() < m.end())
        if m.end() > g.end():
            inside.add(k)
    return inside


def _cued_regions(text: str, rules: PhoneRules) -> tuple[str, ...]:
    """Regions the ad names ("Belgisch nummer", "Antwerpen"), in the order of ``region_cues``."""
    low = text.lower()
    # A substring test per word first (C speed); the word-bounded pattern only where one occurs.
    return tuple(
        region for region, cue, words in rules.region_cues if any(w in low for w in words) and cue.search(text)
    )


def find_phones(view: View, rules: PhoneRules) -> list[Found]:
    """Every phone number in ``view`` as E.164, with its source span.

    A number that has its region's shape but is not assigned there is kept with
    ``extra["check"] == "unassigned"``.
    """
    if rules.joiners is not None:
        joined = Rewritten(view.text, [(*m.span("joiner"), " ") for m in rules.joiners.finditer(view.text)])
        if not joined.identity:
            view = View([*view.layers, joined])
    text = view.text
    trunks, any_lead = rules.national_leads
    cued: tuple[str, ...] | None = None  # looked up at the first national number
    found: list[Found] = []
    attempts = 0
    for run in _RUN.finditer(text):
        if run.end() - run.start() < rules.min_digits:
            continue  # fewer characters than a number has digits ("9:30-10", "150"): nothing to parse
        groups = list(_GROUP.finditer(text, run.start(), run.end()))
        inside = _inside_other_numbers(text, groups, rules)
        i = 0
        while i < len(groups) and attempts < rules.max_attempts:
            first = groups[i]
            if i in inside:
                i += 1
                continue  # "12-05-2025 06...": a number does not start inside a date, a time or an age
            written = text[max(0, first.start() - 3) : first.start()]
            before = written.rstrip(" \t.-")
            plus = before.endswith("+")
            plus_at = first.start() - (len(written) - len(before)) - 1
            lead = first.group()
            # "18+ 0612345678": a "+" before a national number belonged to the text before it.
            international = (plus and not lead.startswith("0")) or lead.startswith("00")
            national = not international and (any_lead or (bool(trunks) and lead.startswith(trunks)))
            bare = (
                not international
                and not lead.startswith("0")
                and rules.contact_cue is not None
                and sum(len(g.group()) for g in groups[i:]) >= rules.min_digits  # digits enough for a number
                and rules.contact_cue.search(text, max(0, first.start() - 40), first.start()) is not None
            )
            if not (international or national or bare):
                i += 1
                continue
            if national and cued is None:
                cued = _cued_regions(text, rules)
            mode = "international" if international else "national"
            best: tuple[tuple[int, bool, int], int, Reading] | None = None
            digits = ""
            used: set[str] = set()  # separators between the groups read so far
            for j in range(i, len(groups)):
                g = groups[j]
                if j > i:
                    # Once the digits so far are a number of a written country or the first region, a
                    # reader stops at a break or before an age ("19yo"); a later region's reading may
                    # still grow into a first-region one ("06 31 47 82" is German, "... 05" Dutch).
                    if (
                        best is not None
                        and best[2].tier <= FIRST
                        and (
                            _breaks(text, groups[j - 1], g, used)
                            or (rules.not_number is not None and rules.not_number.match(text, g.start()))
                        )
                    ):
                        break
                    used.add(text[groups[j - 1].end() : g.start()].strip())
                    # "+31 (0)6": the national trunk zero in brackets after a country code is not dialled.
                    if international and g.group() == "0" and text[g.start() - 1 : g.start()] == "(":
                        continue
                digits += g.group()
                if len(digits) > rules.max_digits + 2:
                    break
                if len(digits) < rules.min_digits:
                    continue
                reading = _read(mode, digits, rules.regions, cued or (), bare)
                if reading is None:
                    attempts += 1
                    if attempts >= rules.max_attempts:
                        break
                    continue
                key = (reading.tier, bool(reading.check), -len(digits))
                if best is None or key < best[0]:
                    best = (key, j, reading)
            if best is None and national:
                best = _later_reading(text, groups, i, rules, international)
            if best is None:
                i += 1
                continue
            _, j, reading = best
            start = plus_at if international and plus else first.start()
            end = groups[j].end()
            span = view.to_source(start, end)
            obfuscated = view.edited_within(start, end) or _obfuscated(text, groups[i : j + 1], rules)
            extra = {"check": reading.check} if reading.check else {}
            found.append(Found(reading.e164, span[0], span[1], obfuscated, extra=extra))
            i = j + 1
    return found
