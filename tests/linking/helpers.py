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


def link_in_memory(ads: list[dict], cfg=None, kinds: tuple[str, ...] | None = None):
    """(ad id -> cluster id, ad id -> link-level codes) of ``ads``, linked without Elasticsearch.

    The same pure functions ``signaal link`` runs (keys, links, components, link indicators);
    ``kinds`` keeps only links of those kinds ("phone", "email", "handle", ...).
    """
    from linking.config import default_config
    from linking.graph import components, count_values, find_links
    from linking.indicators import link_indicators
    from linking.keys import ad_keys

    cfg = cfg or default_config()
    keys = {ad["id"]: ad_keys(ad, cfg) for ad in ads}
    links = find_links(list(keys.values()), count_values(keys.values()), cfg)
    if kinds is not None:
        links = [link for link in links if link.kind in kinds]
    clusters = components(keys, links)
    cluster_of = {ad_id: cid for cid, members in clusters.items() for ad_id in members}
    found = link_indicators(links, clusters, keys, cfg)
    codes = {ad_id: {i["code"] for i in items} for ad_id, items in found.items()}
    return cluster_of, codes
