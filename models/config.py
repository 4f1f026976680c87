"""Rules-baseline weights, analyst wording and calibration, read once from ``models/data/``.

Weights are data so that ML staff can follow the evidence of
``signaal indicator-report`` by editing a file, not code. The calibration
(``rules_calibration.yaml``, written by ``signaal calibrate``) turns the weighted
evidence into probabilities; ``SIGNAAL_RULES_CALIBRATION`` points at another fit
(e.g. one made from a deployment's own analyst decisions).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
RULES_FILE = DATA_DIR / "rules.yaml"
CALIBRATION_FILE = DATA_DIR / "rules_calibration.yaml"
TARGETS = ("minor", "trafficking")


@dataclass(frozen=True)
class Calibration:
    """Logistic calibration of one target: ``p = 1 / (1 + exp(-(intercept + slope * evidence)))``.

    ``evidence`` is ``-ln(1 - noisy_or) = sum(-ln(1 - w))`` over the ad's rules, so an ad
    without any signal gets ``sigmoid(intercept)``: the rate of positives among such ads.
    """

    intercept: float
    slope: float

    def probability(self, evidence: float) -> float:
        z = self.intercept + self.slope * evidence
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        ez = math.exp(z)  # no overflow for very negative z
        return ez / (1.0 + ez)


def calibration_file() -> Path:
    """The calibration in use: ``SIGNAAL_RULES_CALIBRATION`` or the fit shipped with the package."""
    return Path(os.environ.get("SIGNAAL_RULES_CALIBRATION") or CALIBRATION_FILE)


def read_calibration(path: Path) -> tuple[dict[str, Calibration], dict[str, Any]]:
    """``({target: Calibration}, provenance)`` from a calibration file; a missing file means no calibration."""
    if not path.exists():
        return {}, {}
    with path.open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    fitted = {}
    for target, params in (raw.get("targets") or {}).items():
        if target not in TARGETS:
            raise ValueError(f"{path}: unknown target {target!r} (one of {', '.join(TARGETS)})")
        fitted[target] = Calibration(float(params["intercept"]), float(params["slope"]))
    return fitted, raw.get("provenance") or {}


@dataclass(frozen=True)
class IndicatorRule:
    """How much one indicator code counts, for which target, in which words."""

    code: str
    target: str
    weight: float
    label: str


@dataclass(frozen=True)
class RulesConfig:
    """Parsed ``rules.yaml``; see the comments in that file for the formulas."""

    model_version: str
    indicators: dict[str, IndicatorRule]
    unknown_indicator_scale: float
    entities: dict[str, dict[str, Any]]
    minor_weight: float
    trafficking_weight: float
    link_scale: float
    max_reasons: int
    calibration: dict[str, Calibration] = dataclasses.field(default_factory=dict)
    calibration_provenance: dict[str, Any] = dataclasses.field(default_factory=dict)

    def with_weights(self, weights: dict[str, float]) -> RulesConfig:
        """A copy with some codes' weights replaced (accepted proposals); unknown codes are ignored."""
        if not weights:
            return self
        indicators = {
            code: dataclasses.replace(rule, weight=weights[code]) if code in weights else rule
            for code, rule in self.indicators.items()
        }
        return dataclasses.replace(self, indicators=indicators)

    def fingerprint(self) -> str:
        """8 hex digits over everything that changes a score: a changed weight or fit is a new model version."""
        state = {
            "indicators": {c: [r.target, r.weight, r.label] for c, r in sorted(self.indicators.items())},
            "unknown": self.unknown_indicator_scale,
            "entities": self.entities,
            "priority": [self.minor_weight, self.trafficking_weight],
            "calibration": {t: [c.intercept, c.slope] for t, c in sorted(self.calibration.items())},
        }
        return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:8]

    def label(self, code: str) -> str:
        """Analyst words for an indicator code, e.g. ``hotel visits only (TRAF_HOTEL)``."""
        rule = self.indicators.get(code)
        return f"{rule.label} ({code})" if rule else code

    def priority(self, minor: float, trafficking: float) -> float:
        """risk.priority: noisy-or of both targets, so either one alone can top the queue."""
        return 1.0 - (1.0 - self.minor_weight * minor) * (1.0 - self.trafficking_weight * trafficking)


def _parse(raw: dict[str, Any], calibration: dict[str, Calibration], provenance: dict[str, Any]) -> RulesConfig:
    indicators = {}
    for code, spec in raw["indicators"].items():
        if spec["target"] not in TARGETS or not 0.0 <= float(spec["weight"]) < 1.0:
            raise ValueError(f"rules.yaml: bad target or weight for {code}")
        indicators[code] = IndicatorRule(code, spec["target"], float(spec["weight"]), spec["label"])
    return RulesConfig(
        model_version=raw["model_version"],
        indicators=indicators,
        unknown_indicator_scale=float(raw["unknown_indicator_scale"]),
        entities=raw["entities"],
        minor_weight=float(raw["priority"]["minor_weight"]),
        trafficking_weight=float(raw["priority"]["trafficking_weight"]),
        link_scale=float(raw["link_scale"]),
        max_reasons=int(raw["max_reasons"]),
        calibration=calibration,
        calibration_provenance=provenance,
    )


@lru_cache(maxsize=1)
def rules_config() -> RulesConfig:
    """The process-wide rules configuration, with the calibration in use."""
    with RULES_FILE.open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return _parse(raw, *read_calibration(calibration_file()))
