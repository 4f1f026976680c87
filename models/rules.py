"""The rules-only baseline: weighted indicators and entities, calibrated to probabilities.

It is what scores ads while no model is promoted, and the yardstick every
learned model must beat on the same held-out split (``signaal evaluate``).
Each target's evidence is the noisy-or of its rules' weights, kept as
``evidence = sum(-ln(1 - w))``; a logistic calibration fitted on labelled ads
(``signaal calibrate``) maps it to a probability, so an ad without signals
scores near the rate of positives among such ads instead of 0, and an ad with
one weak signal does not look like a coin toss.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from typing import Any

from models.config import RulesConfig, rules_config
from models.record import claimed_ages, contact_count, indicator_codes
from nlp import accepted
from nlp.version import analysis_version


class RulesScorer:
    """Calibrated noisy-or of per-code weights from ``rules.yaml``; reasons in analyst words.

    Without ``config``, the weights include accepted weight proposals (:mod:`nlp.accepted`).
    ``model_version`` is ``<rules.yaml model_version>.<fingerprint>``: a changed weight or
    calibration is another model, so ``signaal rescore`` brings the index up to it.
    """

    def __init__(self, config: RulesConfig | None = None) -> None:
        self.config = config or rules_config().with_weights(accepted.weights())
        self.model_version = f"{self.config.model_version}.{self.config.fingerprint()}"

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

    def log_evidence(self, record: dict[str, Any]) -> dict[str, float]:
        """``sum(-ln(1 - w))`` per target: the noisy-or on an additive scale (0 = no signal)."""
        return {target: _log_evidence(items) for target, items in self.evidence(record).items()}

    def score_one(self, record: dict[str, Any]) -> dict[str, Any]:
        found = self.evidence(record)
        scores = {}
        for target, items in found.items():
            evidence = _log_evidence(items)
            calibration = self.config.calibration.get(target)
            probability = calibration.probability(evidence) if calibration else -math.expm1(-evidence)
            scores[target] = round(probability, 6)
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

    def calibration_status(self) -> dict[str, Any]:
        """The calibration's provenance, and why it may no longer fit (other rules or lexicons than at fit time)."""
        provenance = dict(self.config.calibration_provenance)
        stale = []
        if not self.config.calibration:
            stale.append("no calibration: scores are the plain noisy-or of the rules' weights")
        else:
            if provenance.get("nlp_version") not in (None, analysis_version()):
                stale.append(
                    f"fitted on analyses by {provenance['nlp_version']}, the lexicons are now {analysis_version()}"
                )
            weights = dataclasses.replace(self.config, calibration={}).fingerprint()
            if provenance.get("rules_fingerprint") not in (None, weights):
                stale.append("fitted for other rule weights than those in force")
        return {"model_version": self.model_version, "provenance": provenance, "stale": stale}


def _log_evidence(items: list[tuple[float, str]]) -> float:
    return sum(-math.log1p(-weight) for weight, _ in items)
