"""``signaal related AD_ID``: every ad linked to one ad, and why (for analysts and the triage UI)."""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch, NotFoundError, helpers

from signaal.settings import alias

# strongest evidence first: an exact contact or photo file says more than a similar text
KIND_ORDER = {"phone": 0, "email": 1, "handle": 2, "image_sha256": 3, "image_phash": 4, "photo_gps": 5, "text": 6}


class UnknownAdError(LookupError):
    """The ad id is not in the ads index."""


def related(es: Elasticsearch, ad_id: str, *, prefix: str | None = None, limit: int = 500) -> dict[str, Any]:
    """The ad's cluster, link indicators and every link naming it (with the other ads on each link)."""
    try:
        ad = es.get(index=alias("ads", prefix), id=ad_id, source_includes=["cluster", "link_indicators"])["_source"]
    except NotFoundError:
        raise UnknownAdError(f"no ad with id {ad_id!r}") from None
    hits = helpers.scan(es, index=alias("links", prefix), query={"query": {"term": {"ad_ids": ad_id}}})
    links = []
    for hit in hits:
        src = hit["_source"]
        links.append(
            {
                "id": hit["_id"],
                "kind": src.get("kind"),
                "value": src.get("value"),
                "distance": src.get("distance"),
                "similarity": src.get("similarity"),
                "reason": src.get("reason"),
                "other_ad_ids": [a for a in src.get("ad_ids") or () if a != ad_id],
            }
        )
    links.sort(key=lambda link: (KIND_ORDER.get(link["kind"], 9), link["id"]))
    return {
        "ad_id": ad_id,
        "cluster": ad.get("cluster"),
        "link_indicators": ad.get("link_indicators") or [],
        "links": links[:limit],
        "related_ad_ids": sorted({a for link in links for a in link["other_ad_ids"]}),
    }


def format_related(result: dict[str, Any]) -> str:
    """Plain-text explanation, one line per link (the CLI's default output)."""
    cluster = result.get("cluster") or {}
    lines = [
        f"ad {result['ad_id']}: cluster {cluster.get('id', '-')} ({cluster.get('size', 1)} ads), "
        f"{len(result['related_ad_ids'])} directly linked ads"
    ]
    for ind in result["link_indicators"]:
        lines.append(f"  ! {ind.get('code')}: {ind.get('reason')}")
    for link in result["links"]:
        others = ", ".join(link["other_ad_ids"][:10])
        more = f" (+{len(link['other_ad_ids']) - 10})" if len(link["other_ad_ids"]) > 10 else ""
        lines.append(f"  {link['kind']}: {link['reason']} -> {others}{more}")
    if not result["links"]:
        lines.append("  (no links)")
    return "\n".join(lines)
