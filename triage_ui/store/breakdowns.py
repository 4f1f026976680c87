"""Minor and trafficking signals broken down by the advertised person's gender, by week and by city.

Boys are victims too and are overlooked more often (DESIGN.md); a gap in what Signaal flags for ads about
boys should show up as a number. Every breakdown counts ads, ads with minor signals and ads with
trafficking signals per gender (male, female, trans, unknown = the ad says nothing), so the share of
flagged ads can be compared across genders. An ad presenting two genders counts in both.
"""

from __future__ import annotations

from dataclasses import dataclass

from triage_ui.store.ads import CITY_FIELD, GENDER_FIELD, GENDERS, SEEN_FIELD

SIGNALS = ("minor", "trafficking")


def _has_signal(category: str) -> dict:
    """Ads with an ad-level or a link-level indicator of ``category``."""
    return {
        "bool": {
            "should": [
                {"term": {"indicators.category": category}},
                {"term": {"link_indicators.category": category}},
            ],
            "minimum_should_match": 1,
        }
    }


def _by_gender() -> dict:
    return {
        "terms": {"field": GENDER_FIELD, "size": len(GENDERS), "missing": "unknown"},
        "aggs": {signal: {"filter": _has_signal(signal)} for signal in SIGNALS},
    }


@dataclass(frozen=True)
class Cell:
    """Counts for one gender in one row: all ads, and those with each kind of signal."""

    ads: int = 0
    minor: int = 0
    trafficking: int = 0

    def share(self, signal: str) -> float | None:
        return getattr(self, signal) / self.ads if self.ads else None


@dataclass(frozen=True)
class Row:
    label: str
    cells: dict[str, Cell]

    @property
    def total(self) -> int:
        return sum(cell.ads for cell in self.cells.values())


def _cells(agg: dict) -> dict[str, Cell]:
    cells = {gender: Cell() for gender in GENDERS}
    for bucket in agg["buckets"]:
        if bucket["key"] in cells:
            cells[bucket["key"]] = Cell(
                bucket["doc_count"], bucket["minor"]["doc_count"], bucket["trafficking"]["doc_count"]
            )
    return cells


def aggregations() -> dict:
    """The aggregations to add to the dashboards' ads query."""
    return {
        "gender": _by_gender(),
        "gender_weeks": {
            "date_histogram": {"field": SEEN_FIELD, "calendar_interval": "week", "format": "yyyy-MM-dd"},
            "aggs": {"g": _by_gender()},
        },
        "gender_cities": {"terms": {"field": CITY_FIELD, "size": 15}, "aggs": {"g": _by_gender()}},
    }


@dataclass(frozen=True)
class GenderBreakdown:
    overall: Row
    weeks: list[Row]
    cities: list[Row]


def breakdown(aggs: dict) -> GenderBreakdown:
    """Tables from the aggregation answer (weeks newest first)."""
    weeks = [Row(b["key_as_string"], _cells(b["g"])) for b in aggs["gender_weeks"]["buckets"] if b["doc_count"]]
    return GenderBreakdown(
        overall=Row("all", _cells(aggs["gender"])),
        weeks=list(reversed(weeks)),
        cities=[Row(b["key"], _cells(b["g"])) for b in aggs["gender_cities"]["buckets"]],
    )


def genders_of(ads: list[dict]) -> dict[str, int]:
    """Ads per presented gender in a list of ads (the network page)."""
    counts = dict.fromkeys(GENDERS, 0)
    for ad in ads:
        for gender in (ad.get("entities") or {}).get("genders") or ["unknown"]:
            counts[gender if gender in counts else "unknown"] += 1
    return {gender: n for gender, n in counts.items() if n}
