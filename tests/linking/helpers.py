"""Scoring helpers for linking tests (the ads themselves come from devtools.fixture_sites.truth_ads)."""

from __future__ import annotations


def pairwise_precision_recall(clusters: dict[str, str], truth: dict[str, str]) -> tuple[float, float]:
    """Pairwise precision and recall of predicted clusters (ad -> cluster) against true groups (ad -> group)."""
    from itertools import combinations

    def pairs(assign: dict[str, str]) -> set[tuple[str, str]]:
        groups: dict[str, list[str]] = {}
        for ad_id, group in assign.items():
            groups.setdefault(group, []).append(ad_id)
        return {p for members in groups.values() for p in combinations(sorted(members), 2)}

    predicted, true = pairs(clusters), pairs(truth)
    hit = len(predicted & true)
    return (hit / len(predicted) if predicted else 1.0, hit / len(true) if true else 1.0)
