"""Rules-baseline weights and analyst wording, read once from ``models/data/rules.yaml``.

Weights are data so that ML staff can follow the evidence of
``signaal indicator-report`` by editing a file, not code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
RULES_FILE = DATA_DIR / "rules.yaml"
TARGETS = ("minor", "trafficking")


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

    def label(self, code: str) -> str:
        """Analyst words for an indicator code, e.g. ``hotel visits only (TRAF_HOTEL)``."""
        rule = self.indicators.get(code)
        return f"{rule.label} ({code})" if rule else code

    def priority(self, minor: float, trafficking: float) -> float:
        """risk.priority: noisy-or of both targets, so either one alone can top the queue."""
        return 1.0 - (1.0 - self.minor_weight * minor) * (1.0 - self.trafficking_weight * trafficking)


def _parse(raw: dict[str, Any]) -> RulesConfig:
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
    )


@lru_cache(maxsize=1)
def rules_config() -> RulesConfig:
    """The process-wide rules configuration."""
    with RULES_FILE.open(encoding="utf-8") as fh:
        return _parse(yaml.safe_load(fh))
