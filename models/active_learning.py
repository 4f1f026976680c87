"""The label queue: undecided ads the promoted model is least sure about.

Labelling those first teaches the next model the most per analyst hour.
Uncertainty is the larger binary entropy of the two targets. ES narrows the
candidates (undecided, scored by the current model) to a band around 0.5 that
widens until it holds enough ads (no scripts: the node may lack painless);
Python ranks what comes back by entropy.
"""

from __future__ import annotations

import math
from typing import Any

from models.config import TARGETS
from models.scoring import default_scorer
from signaal.settings import alias

DECIDED = ["lead", "not_relevant", "escalate_minor"]
BAND_STEP = 0.05


def entropy(p: float) -> float:
    p = min(max(float(p), 1e-9), 1 - 1e-9)
    return -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


def uncertainty(risk: dict[str, Any]) -> float:
    return max(entropy(risk.get(t) or 0.0) for t in TARGETS)


def _band_query(model_version: str, width: float) -> dict[str, Any]:
    """Undecided ads scored by ``model_version`` with either target within ``width`` of 0.5."""
    return {
        "bool": {
            "filter": [{"term": {"risk.model_version": model_version}}],
            "must_not": [{"terms": {"triage.status": DECIDED}}],
            "should": [{"range": {f"risk.{t}": {"gte": 0.5 - width, "lte": 0.5 + width}}} for t in TARGETS],
            "minimum_should_match": 1,
        }
    }


def label_queue(es: Any, prefix: str, n: int = 50, model_version: str | None = None) -> list[dict[str, Any]]:
    """Up to ``n`` undecided ads, most uncertain first: ``{id, title, site, url, risk, uncertainty}``.

    ``model_version`` defaults to the promoted model; ads not yet rescored with
    it are left out (their scores would describe another model's doubt).
    """
    if model_version is None:
        model_version = default_scorer().model_version
    hits: list[dict[str, Any]] = []
    width = BAND_STEP
    while width <= 0.5 + 1e-9:
        resp = es.search(
            index=alias("ads", prefix),
            query=_band_query(model_version, width),
            size=min(10_000, 5 * n),
            source=["title", "site", "risk", "url"],
        )
        hits = resp["hits"]["hits"]
        if len(hits) >= n:
            break
        width += BAND_STEP
    out = []
    for hit in hits:
        src = hit["_source"]
        risk = src.get("risk") or {}
        out.append(
            {
                "id": hit["_id"],
                "title": src.get("title"),
                "site": src.get("site"),
                "url": src.get("url"),
                "risk": risk,
                "uncertainty": round(uncertainty(risk), 4),
            }
        )
    out.sort(key=lambda r: (-r["uncertainty"], r["id"]))
    return out[:n]
