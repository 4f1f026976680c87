"""Final queue order: the model's ``risk.priority`` raised by link-level evidence.

The indexer and the linking job both call :func:`queue_priority` so the
top-level ``priority`` field means the same thing whoever wrote it last.
"""

from __future__ import annotations

from typing import Any

from models.config import rules_config


def queue_priority(doc: dict[str, Any]) -> float:
    """``1 - (1 - risk.priority) * prod(1 - link_scale * w)``, one term per link indicator code.

    Each distinct code counts once (its strongest weight), so fifty copies of
    "shared contact" do not saturate the queue; the result never falls below
    ``risk.priority`` and stays in 0..1.
    """
    cfg = rules_config()
    risk = doc.get("risk") or {}
    try:
        base = min(1.0, max(0.0, float(risk.get("priority") or 0.0)))
    except (TypeError, ValueError):
        base = 0.0
    strongest: dict[str, float] = {}
    for link in doc.get("link_indicators") or ():
        code = link.get("code") if isinstance(link, dict) else None
        if not code:
            continue
        weight = link.get("weight")
        if weight is None:
            rule = cfg.indicators.get(code)
            weight = rule.weight if rule else 0.0
        try:
            weight = min(1.0, max(0.0, float(weight)))
        except (TypeError, ValueError):
            continue
        strongest[code] = max(strongest.get(code, 0.0), weight)
    remaining = 1.0 - base
    for weight in strongest.values():
        remaining *= 1.0 - cfg.link_scale * weight
    return round(1.0 - remaining, 6)
