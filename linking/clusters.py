"""Cluster documents: what an investigator wants to see about a network at a glance."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from linking.keys import AdKeys


def _sorted_union(values: Any) -> list[Any]:
    return sorted({v for vs in values for v in vs})


def cluster_doc(
    cid: str, members: list[str], keys: Mapping[str, AdKeys], ad_blocks: Mapping[str, dict[str, Any]], now: str
) -> dict[str, Any]:
    """Summary of one connected component (``ad_blocks``: each ad's new ``priority``/``indicator_codes``)."""
    ads = [keys[m] for m in members]
    first = [a.first_seen for a in ads if a.first_seen]
    last = [a.last_seen for a in ads if a.last_seen]
    max_risk = {
        name: max((a.risk.get(name, 0.0) for a in ads), default=0.0) for name in ("minor", "trafficking", "priority")
    }
    return {
        "id": cid,
        "size": len(members),
        "ad_ids": members,
        "sites": sorted({a.site for a in ads if a.site}),
        "names": _sorted_union(a.names for a in ads),
        "cities": _sorted_union(a.cities for a in ads),
        "phones": _sorted_union(a.phones for a in ads),
        "emails": _sorted_union(a.emails for a in ads),
        "handle_keys": _sorted_union(a.handle_keys for a in ads),
        "image_sha256": _sorted_union(a.sha256s for a in ads),
        "photo_positions": _sorted_union(a.gps for a in ads),  # "lat,lon" of the EXIF GPS in the ads' photos
        "ages": _sorted_union(a.ages for a in ads),
        "indicator_codes": _sorted_union(ad_blocks[m].get("indicator_codes") or () for m in members),
        "first_seen": min(first) if first else None,
        "last_seen": max(last) if last else None,
        "max_risk": max_risk,
        "priority": max((float(ad_blocks[m].get("priority") or 0.0) for m in members), default=0.0),
        "updated_at": now,
    }
