"""An exact shortcut for ``phonenumbers.parse`` + ``is_valid_number`` on clean digit strings.

``phonenumbers.parse`` and ``is_valid_number`` cost ~30-60 us per candidate, mostly generic work
(input clean-up, prefix handling, a regex cache lookup per pattern) that a plain digit string does
not need. For the shapes that dominate ads (national "06...", international "31 6...", "32 4...",
"49 1...") this module answers from the same metadata ``phonenumbers`` validates with, read at
load time, and answers only when it can prove ``phonenumbers`` would give the same E.164:

* international ``digits`` (after "+" or "00"): the country code is the shortest known prefix
  (as ``phonenumbers`` reads it), its only region is one of ours, the rest does not start with
  the national prefix (so nothing is stripped) and is a valid number of that region;
* national ``digits`` read in one region: they start with that region's national prefix but not
  with its international prefix or country code, and the rest is a valid number of that region
  (so ``phonenumbers.parse(digits, region)`` strips the prefix, keeps the rest and finds it valid).

"Valid" is ``phonenumbers``' own test (``_number_type_helper`` is not UNKNOWN): the general
pattern and length, and one number type's pattern and lengths. Anything else returns None and
goes to ``phonenumbers``; ``tests/nlp/test_speedups.py`` compares both on many numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata

#: The number types ``phonenumbers._number_type_helper`` tries after the general description.
_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)
_MAX_CC_DIGITS = 3  # phonenumbers' _MAX_LENGTH_COUNTRY_CODE


@dataclass(frozen=True)
class _Region:
    """What validating a national significant number of one region needs, compiled once."""

    cc: str
    prefix: str  # national prefix for parsing ("0"); a digit string, else the region is not fast
    idd: str  # international prefix ("00"); a digit string, else the region is not fast
    general: re.Pattern[str]
    lengths: frozenset[int]  # general possible lengths, without the local-only ones
    by_length: dict[int, re.Pattern[str]]  # length -> alternation of the type patterns allowing it

    def valid(self, nsn: str) -> bool:
        """``phonenumbers``' validity of ``nsn`` in this region (``nsn`` holds digits only)."""
        pattern = self.by_length.get(len(nsn))
        return pattern is not None and self.general.fullmatch(nsn) is not None and pattern.fullmatch(nsn) is not None


def _region(code: str) -> _Region | None:
    """The fast form of a region's metadata, or None when its rules need ``phonenumbers`` itself."""
    meta = PhoneMetadata.metadata_for_region(code)
    if meta is None or len(COUNTRY_CODE_TO_REGION_CODE.get(meta.country_code, ())) != 1:
        return None  # shared country codes (+44, +1, ...) need phonenumbers' region lookup
    prefix, idd = meta.national_prefix_for_parsing, meta.international_prefix
    if not (prefix and prefix.isdigit() and idd and idd.isdigit()) or meta.national_prefix_transform_rule:
        return None
    general = meta.general_desc
    if not general.national_number_pattern or not general.possible_length:
        return None
    local_only = set(general.possible_length_local_only or ())
    lengths = frozenset(n for n in general.possible_length if n > 0 and n not in local_only)
    patterns: dict[int, list[str]] = {}
    for name in _TYPES:
        if name == "mobile" and meta.same_mobile_and_fixed_line_pattern:
            continue  # phonenumbers does not test mobile then
        desc = getattr(meta, name)
        if desc is None or not desc.national_number_pattern:
            continue
        for n in desc.possible_length or tuple(lengths):
            if n in lengths:
                patterns.setdefault(n, []).append(desc.national_number_pattern)
    by_length = {n: re.compile("|".join(f"(?:{p})" for p in pats)) for n, pats in patterns.items()}
    return _Region(str(meta.country_code), prefix, idd, re.compile(general.national_number_pattern), lengths, by_length)


class FastParser:
    """E.164 for the clean phone shapes of the configured regions, or None ("ask phonenumbers")."""

    def __init__(self, regions: tuple[str, ...]) -> None:
        self.by_region = {code: r for code in regions if (r := _region(code)) is not None}
        self.by_cc = {r.cc: r for r in self.by_region.values()}

    def international(self, digits: str) -> str | None:
        """``phonenumbers.parse("+" + digits)`` when that is provably a valid number, else None."""
        if not digits or digits[0] == "0":
            return None
        for i in range(
            1, min(len(digits), _MAX_CC_DIGITS) + 1
        ):  # phonenumbers' country code: the shortest known prefix
            if int(digits[:i]) in COUNTRY_CODE_TO_REGION_CODE:
                region = self.by_cc.get(digits[:i])
                rest = digits[i:]
                if region is None or rest.startswith((region.prefix, "0")) or not region.valid(rest):
                    return None
                return "+" + digits
        return None

    def national(self, digits: str, region_code: str) -> str | None:
        """``phonenumbers.parse(digits, region_code)`` when that is provably a valid number, else None.

        The reasoning does not depend on other regions (``parse`` takes one), so it holds for
        every configured region, in any order.
        """
        region = self.by_region.get(region_code)
        if region is None or not digits.startswith(region.prefix) or digits.startswith((region.idd, region.cc)):
            return None
        rest = digits[len(region.prefix) :]
        if rest.startswith("0"):
            return None  # a national significant number with a leading zero: phonenumbers' special case
        return "+" + region.cc + rest if region.valid(rest) else None
