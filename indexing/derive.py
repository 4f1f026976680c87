"""Derived, flat fields every writer of an ad must (re)compute: one function, so they never disagree.

The ads mapping (es_mappings/ads.json) has a few fields that exist only to make
queries and aggregations simple and fast; they repeat information from the
record and are recomputed from it whenever an ad is written:

- ``indicator_codes``: distinct codes of ``indicators`` and ``link_indicators``
  (one keyword field to filter and aggregate on, including link-level codes);
- ``handle_keys``: ``"<platform>:<handle>"`` per handle, lower-case, so a
  platform+handle pair is one exact term (an object array would mix pairs);
- ``geo``: ``{lat, lon}`` of every located entity (``geo_point``);
- ``priority``: ``models.queue_priority(doc)`` (risk raised by link indicators);
- ``images``: plain URL strings (allowed in raw input) become ``{"url": ...}``.

The indexer calls :func:`derive_fields`; linking and rescoring, which change
``link_indicators``/``risk``, must call it too before writing.
"""

from __future__ import annotations

from typing import Any

from models.priority import queue_priority

# the fields derive_fields (re)computes; "images" only when the record has images
DERIVED_FIELDS = ("indicator_codes", "handle_keys", "geo", "images", "priority")


def _codes(doc: dict[str, Any]) -> list[str]:
    codes = {
        item.get("code")
        for key in ("indicators", "link_indicators")
        for item in doc.get(key) or ()
        if isinstance(item, dict)
    }
    return sorted(code for code in codes if isinstance(code, str) and code)


def _handle_keys(entities: dict[str, Any]) -> list[str]:
    keys = set()
    for handle in entities.get("handles") or ():
        if isinstance(handle, dict) and handle.get("platform") and handle.get("handle"):
            keys.add(f"{handle['platform']}:{handle['handle']}".lower())
    return sorted(keys)


def _geo(entities: dict[str, Any]) -> list[dict[str, float]]:
    points = []
    for loc in entities.get("locations") or ():
        if not isinstance(loc, dict):
            continue
        try:
            lat, lon = float(loc["lat"]), float(loc["lon"])
        except (KeyError, TypeError, ValueError):
            continue
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            points.append({"lat": lat, "lon": lon})
    return points


def _images(images: Any) -> Any:
    if not isinstance(images, list):
        return images
    return [{"url": image} if isinstance(image, str) else image for image in images]


def derive_fields(doc: dict[str, Any]) -> dict[str, Any]:
    """Return ``doc`` with the derived fields (re)computed; the input dict is updated in place."""
    entities = doc.get("entities") if isinstance(doc.get("entities"), dict) else {}
    doc["indicator_codes"] = _codes(doc)
    doc["handle_keys"] = _handle_keys(entities)
    doc["geo"] = _geo(entities)
    if "images" in doc:
        doc["images"] = _images(doc["images"])
    doc["priority"] = float(queue_priority(doc))
    return doc
