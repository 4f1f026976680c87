"""How one digit string reads as a phone number: which country, and whether the number is assigned.

The configured regions are a *preference order* (issue 14). A national-format number ("06...")
is read in the first region whenever it has that region's shape, even when ``phonenumbers``
does not list the block as assigned (a fictional or new "069..." mobile is still Dutch); only
numbers the first region cannot hold go to a later region, and there only when valid. A region
the ad names itself ("mijn Belgisch nummer", a Belgian town) is tried before all of them, for
numbers valid there. A number written with a country code ("+32", "0032") is kept when it has
that country's shape and flagged when it is not assigned, instead of dropped.

"Shape" is stricter than ``phonenumbers.is_possible_number`` (which for the Netherlands accepts
any 5 to 11 digits): the number must also fit one of the region's own formatting rules, whose
leading digits and lengths ``phonenumbers`` uses to print numbers ("6" + 8 digits for Dutch
mobiles). Without that, "06 1234 5678 23" (an age after a number) would be "possible" too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata

from nlp.extract.phone_fast import FastParser

_MAX_CC_DIGITS = 3

#: Reading tiers, best first: a region the ad names, the first region, a later region (valid only),
#: and an international number written without "+" where the context says it is a contact.
CUED, FIRST, LATER, BARE_INTERNATIONAL = range(4)
INTERNATIONAL = CUED  # a written country code is as strong as a named region
UNASSIGNED = "unassigned"


@dataclass(frozen=True, slots=True)
class Reading:
    """One way to read a digit string: its E.164, its tier and ``check`` ("" or "unassigned")."""

    e164: str
    tier: int
    check: str = ""


@dataclass(frozen=True)
class _Shape:
    """What telling a well-formed national significant number of one region needs."""

    cc: str
    trunk: str  # the national prefix written before national numbers ("0"), "" when there is none
    trunk_required: bool  # national numbers are written with it (Dutch "06"), not optionally (US "1")
    lengths: frozenset[int]
    formats: tuple[tuple[re.Pattern[str] | None, re.Pattern[str]], ...]  # (leading digits, whole number)

    def fits(self, nsn: str) -> bool:
        """True when ``nsn`` has a possible length and fits one of the region's formats."""
        if len(nsn) not in self.lengths or not nsn.isdigit():
            return False
        if not self.formats:
            return True
        return any((lead is None or lead.match(nsn)) and whole.fullmatch(nsn) for lead, whole in self.formats)

    def national_number(self, digits: str) -> str | None:
        """``digits`` written nationally without the trunk prefix, or None when they cannot be national here."""
        if self.trunk and digits.startswith(self.trunk):
            return digits[len(self.trunk) :]
        return None if self.trunk_required else digits


@cache
def shape(region: str) -> _Shape | None:
    """The shape rules of ``region`` from phonenumbers' metadata (None for an unknown region)."""
    meta = PhoneMetadata.metadata_for_region(region)
    if meta is None:
        return None
    trunk = meta.national_prefix or ""
    optional = any(f.national_prefix_optional_when_formatting for f in meta.number_format)
    general = meta.general_desc
    local_only = set(general.possible_length_local_only or ())
    lengths = frozenset(n for n in general.possible_length or () if n > 0 and n not in local_only)
    formats = tuple(
        (re.compile(f.leading_digits_pattern[-1]) if f.leading_digits_pattern else None, re.compile(f.pattern))
        for f in meta.number_format
    )
    return _Shape(str(meta.country_code), trunk, bool(trunk) and not optional, lengths, formats)


def _country(digits: str) -> tuple[str, str] | None:
    """(country code, rest) as phonenumbers splits an international number: the shortest known prefix."""
    for i in range(1, min(len(digits), _MAX_CC_DIGITS) + 1):
        if int(digits[:i]) in COUNTRY_CODE_TO_REGION_CODE:
            return digits[:i], digits[i:]
    return None


def valid_with_phonenumbers(number: str, region: str | None) -> str | None:
    """E.164 of ``phonenumbers.parse(number, region)`` when it is a valid number, else None."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None


class PhoneReader:
    """Reads digit strings for one region order; results are pure functions of the arguments."""

    def __init__(self, regions: tuple[str, ...]) -> None:
        self.regions = tuple(r for r in regions if shape(r) is not None)
        self.fast = FastParser(self.regions)

    def takes_national(self, digits: str) -> bool:
        """True when some configured region could read ``digits`` as a national number."""
        return any(shape(r).national_number(digits) is not None for r in self.regions)  # type: ignore[union-attr]

    def valid_national(self, digits: str, region: str) -> str | None:
        """E.164 when ``digits`` is a valid national number of ``region`` (fast path first)."""
        if shape(region).national_number(digits) is None:  # type: ignore[union-attr]
            return None
        return self.fast.national(digits, region) or valid_with_phonenumbers(digits, region)

    def national(self, digits: str, cued: tuple[str, ...] = ()) -> Reading | None:
        """The best reading of a national-format number (see the module docstring for the order)."""
        return self.national_first(digits, cued) or self.national_later(digits)

    def national_first(self, digits: str, cued: tuple[str, ...] = ()) -> Reading | None:
        """A reading in a region the ad names or in the first region (cheap: mostly phonenumbers' metadata)."""
        for region in cued:
            if e164 := self.valid_national(digits, region):
                return Reading(e164, CUED)
        if not self.regions:
            return None
        first = self.regions[0]
        if e164 := self.valid_national(digits, first):
            return Reading(e164, FIRST)
        rules = shape(first)
        nsn = rules.national_number(digits)  # type: ignore[union-attr]
        if nsn is not None and rules.fits(nsn):  # type: ignore[union-attr]
            return Reading(f"+{rules.cc}{nsn}", FIRST, UNASSIGNED)  # type: ignore[union-attr]
        return None

    def national_later(self, digits: str) -> Reading | None:
        """A valid reading in a later region (each tried with ``phonenumbers.parse``)."""
        for region in self.regions[1:]:
            if e164 := self.valid_national(digits, region):
                return Reading(e164, LATER)
        return None

    def international(self, digits: str, tier: int = INTERNATIONAL) -> Reading | None:
        """``digits`` after a "+" or "00": valid, or with the country's shape (flagged), else None."""
        if e164 := self.fast.international(digits) or valid_with_phonenumbers("+" + digits, None):
            return Reading(e164, tier)
        split = _country(digits)
        if split is None:
            return None
        cc, rest = split
        for region in COUNTRY_CODE_TO_REGION_CODE[int(cc)]:
            rules = shape(region)
            if rules is None:
                continue
            nsn = rest[len(rules.trunk) :] if rules.trunk and rest.startswith(rules.trunk) else rest  # "+31 06..."
            if rules.fits(nsn):
                return Reading(f"+{cc}{nsn}", tier, UNASSIGNED)
        return None
