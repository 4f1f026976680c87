"""Small, tolerant readers for the fields nlp.analyze puts on a record.

Records come from JSON Lines, the crawler and Elasticsearch; fields may be
missing or null. Every part of models/ reads them through these helpers so the
tolerance rules live in one place.
"""

from __future__ import annotations

from typing import Any


def entities(record: dict[str, Any]) -> dict[str, Any]:
    return record.get("entities") or {}


def claimed_ages(record: dict[str, Any]) -> list[int]:
    """Ages claimed for the advertised person(s), ignoring anything not a plausible age."""
    ages = []
    for age in entities(record).get("ages") or ():
        try:
            value = int(age)
        except (TypeError, ValueError):
            continue
        if 5 <= value <= 99:
            ages.append(value)
    return ages


def contact_count(record: dict[str, Any]) -> int:
    ents = entities(record)
    return len(ents.get("phones") or ()) + len(ents.get("emails") or ()) + len(ents.get("handles") or ())


def indicator_codes(record: dict[str, Any]) -> set[str]:
    return {i["code"] for i in record.get("indicators") or () if i.get("code")}


def contact_keys(record: dict[str, Any]) -> set[str]:
    """Identifiers that tie ads to one advertiser (for leakage-free splits)."""
    ents = entities(record)
    keys = {f"phone:{p}" for p in ents.get("phones") or ()}
    keys |= {f"email:{str(e).lower()}" for e in ents.get("emails") or ()}
    for h in ents.get("handles") or ():
        if isinstance(h, dict) and h.get("handle"):
            keys.add(f"handle:{h.get('platform', '')}:{str(h['handle']).lower()}")
    cluster = record.get("cluster") or {}
    if isinstance(cluster, dict) and cluster.get("id"):
        keys.add(f"cluster:{cluster['id']}")
    return keys
