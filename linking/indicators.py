"""Link-level indicators: what only becomes visible when ads are seen together.

- MINOR_AGE_INCONSISTENT: one person (same photo, or same name behind one
  contact) claims different ages in different ads — minors often claim 18+.
- TRAF_SHARED_CONTACT: one phone / e-mail / handle across ads with different
  names or cities — a handler answering for several persons.
- TRAF_TEMPLATE_TEXT: near-identical text used for different persons.

Each indicator carries a one-line reason naming the evidence, so an analyst
can check it without reading the code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from linking.config import LinkingConfig
from linking.graph import CONTACT_KINDS, Link
from linking.keys import AdKeys, fold_name, jaccard


def _names(ad: AdKeys) -> set[str]:
    return {fold_name(n) for n in ad.names}


def _display(values: Iterable[str]) -> list[str]:
    """One spelling per folded value (the first in sorted order), for readable reasons."""
    out: dict[str, str] = {}
    for value in sorted(values):
        out.setdefault(fold_name(value), value)
    return list(out.values())


def _short(values: Iterable[str], limit: int = 4) -> str:
    items = sorted(values)
    return ", ".join(items[:limit]) + (f" (+{len(items) - limit})" if len(items) > limit else "")


def _ages_differ(a: list[int], b: list[int], tolerance: int) -> bool:
    return bool(a and b) and all(abs(x - y) > tolerance for x in a for y in b)


class _Collector:
    """Per ad, per code: the strongest reason (first one found; sorted inputs make it deterministic)."""

    def __init__(self, cfg: LinkingConfig) -> None:
        self.cfg = cfg
        self.found: dict[str, dict[str, str]] = {}

    def add(self, ad_id: str, code: str, reason: str) -> None:
        self.found.setdefault(ad_id, {}).setdefault(code, reason)

    def result(self) -> dict[str, list[dict[str, Any]]]:
        out = {}
        for ad_id, codes in self.found.items():
            out[ad_id] = [
                {
                    "code": code,
                    "category": self.cfg.indicators[code].category,
                    "weight": self.cfg.indicators[code].weight,
                    "reason": reason[:1000],
                }
                for code, reason in sorted(codes.items())
            ]
        return out


def link_indicators(
    links: Iterable[Link], clusters: Mapping[str, list[str]], ads: Mapping[str, AdKeys], cfg: LinkingConfig
) -> dict[str, list[dict[str, Any]]]:
    """ad id -> its ``link_indicators`` list (ads without any are absent).

    Shared contacts are judged per link (the contact is the evidence); ages and
    templates per cluster, because the same person or template can be linked
    through a chain (photo in one ad, phone in the next) rather than directly.
    """
    found = _Collector(cfg)
    for link in links:
        if link.kind not in CONTACT_KINDS:
            continue
        members = [ads[i] for i in link.ad_ids if i in ads]
        names = _display(n for m in members for n in m.names)
        cities = _display(c for m in members for c in m.cities)
        if len(names) > 1 or len(cities) > 1:
            reason = (
                f"{link.kind} {link.value} is used by {len(members)} ads with names {_short(names) or '-'}"
                f" in {_short(cities) or '-'}"
            )
            for m in members:
                found.add(m.id, "TRAF_SHARED_CONTACT", reason)
    for member_ids in clusters.values():
        if len(member_ids) < 2:
            continue
        members = [ads[i] for i in member_ids if i in ads]
        _age_inconsistent(members, cfg, found)
        _template_text(members, cfg, found)
    return found.result()


def _age_inconsistent(members: list[AdKeys], cfg: LinkingConfig, found: _Collector) -> None:
    """Same name inside one cluster, ages further apart than the tolerance."""
    tolerance = cfg.indicators["MINOR_AGE_INCONSISTENT"].age_tolerance
    by_name: dict[str, list[AdKeys]] = {}
    spelling: dict[str, str] = {}
    for ad in members:
        for name in ad.names:
            spelling.setdefault(fold_name(name), name)
            group = by_name.setdefault(fold_name(name), [])
            if not group or group[-1] is not ad:  # one entry per ad even if it spells the name twice
                group.append(ad)
    for folded, same in sorted(by_name.items()):
        name = spelling[folded]
        for i, a in enumerate(same):
            for b in same[i + 1 :]:
                if _ages_differ(a.ages, b.ages, tolerance):
                    for me, other in ((a, b), (b, a)):
                        found.add(
                            me.id,
                            "MINOR_AGE_INCONSISTENT",
                            f"{name} claims age {_short(map(str, me.ages))} here and "
                            f"{_short(map(str, other.ages))} in linked ad {other.id}",
                        )


def _template_text(members: list[AdKeys], cfg: LinkingConfig, found: _Collector) -> None:
    """Similar text inside one cluster for persons with different names."""
    rule = cfg.indicators["TRAF_TEMPLATE_TEXT"]
    texts = [ad for ad in members if ad.minhash is not None and ad.names][: rule.max_cluster_pairs_size]
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            if _names(a) & _names(b):
                continue
            sim = jaccard(a.minhash, b.minhash)  # type: ignore[arg-type]
            if sim >= rule.min_similarity:
                for me, other in ((a, b), (b, a)):
                    found.add(
                        me.id,
                        "TRAF_TEMPLATE_TEXT",
                        f"text {sim:.0%} similar to linked ad {other.id} written for {_short(other.names)}"
                        f" (this ad: {_short(me.names)})",
                    )
