"""How well each indicator code predicts what analysts decided, so weights follow evidence.

For each code: ads carrying it judged lead vs not, precision, lift over the base
rate of leads, and a Wilson 95% interval for the precision. A lift near 1 with a
tight interval says a popular red flag is not predictive (as published work
found for touring wording and a stated age under 23).

``suggested_weight`` is the excess risk ``(precision - base) / (1 - base)``
(0 when the code is no better than the base rate): the share of the distance
from "no evidence" to "certain lead" that the code covers, which is what a
noisy-or weight in ``rules.yaml`` means. ML staff copy it after checking the
interval, so the baseline follows the evidence rather than intuition.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from models.config import TARGETS, rules_config
from models.record import indicator_codes


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a proportion (sane at small n and at 0 or 1)."""
    if n == 0:
        return (0.0, 0.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def is_lead(record: dict[str, Any], target: str) -> int | None:
    """1/0 for the chosen target; ``any`` = lead on either known label."""
    labels = record.get("labels") or {}
    if target != "any":
        return labels.get(target)
    known = [labels.get(t) for t in TARGETS if labels.get(t) is not None]
    return max(known) if known else None


def indicator_report(records: Sequence[dict[str, Any]], target: str = "any") -> list[dict[str, Any]]:
    """One row per indicator code seen, sorted by lift (highest first)."""
    judged = [(indicator_codes(r), lead) for r in records if (lead := is_lead(r, target)) is not None]
    total = len(judged)
    base = sum(lead for _, lead in judged) / total if total else 0.0
    codes = sorted({c for cs, _ in judged for c in cs})
    rows = []
    for code in codes:
        leads = sum(lead for cs, lead in judged if code in cs)
        n = sum(1 for cs, _ in judged if code in cs)
        precision = leads / n
        low, high = wilson(leads, n)
        rule = rules_config().indicators.get(code)
        rows.append(
            {
                "code": code,
                "ads": n,
                "leads": leads,
                "not_leads": n - leads,
                "precision": round(precision, 4),
                "ci_low": round(low, 4),
                "ci_high": round(high, 4),
                "lift": round(precision / base, 3) if base else float("nan"),
                "base_rate": round(base, 4),
                "rules_weight": rule.weight if rule else None,
                "suggested_weight": round(max(0.0, (precision - base) / (1 - base)), 2) if base < 1 else 0.0,
            }
        )
    rows.sort(key=lambda r: (-r["lift"], r["code"]))
    return rows
