"""The rules-only baseline: weighted indicators and entities, no learning.

It is what scores ads while no model is promoted, and the yardstick every
learned model must beat on the same held-out split (``signaal evaluate``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from models.config import RulesConfig, rules_config
from models.record import claimed_ages, contact_count, indicator_codes


class RulesScorer:
    """Noisy-or of per-code weights from ``rules.yaml``; reasons in analyst words."""

    def __init__(self, config: RulesConfig | None = None) -> None:
        self.config = config or rules_config()
        self.model_version = self.config.model_version

    def evidence(self, record: dict[str, Any]) -> dict[str, list[tuple[float, str]]]:
        """(weight, reason) pairs per target, one per distinct code or entity rule."""
        cfg = self.config
        found: dict[str, list[tuple[float, str]]] = {"minor": [], "trafficking": []}
        best: dict[str, tuple[str, float]] = {}
        for ind in record.get("indicators") or ():
            code = ind.get("code")
            if not code:
                continue
            rule = cfg.indicators.get(code)
            if rule is not None:
                target, weight = rule.target, rule.weight
            else:
                target = "minor" if ind.get("category") == "minor" else "trafficking"
                weight = min(0.95, float(ind.get("weight") or 0.0) * cfg.unknown_indicator_scale)
            if weight > best.get(code, ("", -1.0))[1]:
                best[code] = (target, weight)
        for code, (target, weight) in best.items():
            found[target].append((weight, cfg.label(code)))
        ages = claimed_ages(record)
        ent = cfg.entities
        if ages:
            youngest = min(ages)
            if youngest < 18:
                found["minor"].append((float(ent["age_under_18"]["weight"]), f"stated age {youngest}"))
            elif youngest < 20:
                found["minor"].append((float(ent["age_18_19"]["weight"]), f"stated age {youngest}"))
        many = ent["many_contacts"]
        n_contacts = contact_count(record)
        if n_contacts >= int(many["min_count"]):
            found[many["target"]].append((float(many["weight"]), f"{n_contacts} contact details in one ad"))
        return found

    def score_one(self, record: dict[str, Any]) -> dict[str, Any]:
        found = self.evidence(record)
        scores = {}
        for target, items in found.items():
            remaining = 1.0
            for weight, _ in items:
                remaining *= 1.0 - weight
            scores[target] = round(1.0 - remaining, 6)
        ranked = sorted((item for items in found.values() for item in items), key=lambda x: -x[0])
        reasons = list(dict.fromkeys(reason for _, reason in ranked))[: self.config.max_reasons]
        return {
            "minor": scores["minor"],
            "trafficking": scores["trafficking"],
            "priority": round(self.config.priority(scores["minor"], scores["trafficking"]), 6),
            "reasons": reasons,
            "model_version": self.model_version,
        }

    def score_batch(self, records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """One ``risk`` block per record, same order."""
        return [self.score_one(r) for r in records]

    def codes(self, records: Iterable[dict[str, Any]]) -> list[set[str]]:
        return [indicator_codes(r) for r in records]
