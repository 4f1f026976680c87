"""What the ad page says about each photo: file, camera, capture time, GPS position, or why it was refused.

Image records are untrusted input (any JSON Lines file can be indexed), so every value is checked and
turned into plain text here; the template only prints strings.
"""

from __future__ import annotations

import math
from typing import Any


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def _position(exif: dict[str, Any]) -> tuple[float, float] | None:
    gps = exif.get("gps")
    if not isinstance(gps, dict):
        return None
    lat, lon = _number(gps.get("lat")), _number(gps.get("lon"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def photo_facts(image: dict[str, Any]) -> dict[str, Any]:
    """One photo's row: ``file``, ``refused``, ``camera``, ``exif_note``, ``taken_at``, ``position`` (text and
    the ``near`` search value) and ``sha256``."""
    exif = image.get("exif") if isinstance(image.get("exif"), dict) else {}
    width, height = _number(image.get("width")), _number(image.get("height"))
    size = f" {width:.0f}×{height:.0f}" if width and height else ""
    camera = exif.get("camera") if isinstance(exif.get("camera"), str) else None
    note = "EXIF stripped" if exif.get("present") is False else "EXIF without camera" if exif.get("present") else ""
    position = _position(exif)
    return {
        "file": f"{image.get('format') or '?'}{size}",
        "refused": str(image["error"]).replace("_", " ") if image.get("error") else None,
        "camera": camera,
        "exif_note": "" if camera else note,
        "taken_at": exif.get("taken_at") if isinstance(exif.get("taken_at"), str) else None,
        "position": f"{position[0]:.5f}, {position[1]:.5f}" if position else None,
        "near": f"{position[0]:.6f}, {position[1]:.6f}" if position else None,
        "sha256": image.get("sha256") if isinstance(image.get("sha256"), str) else None,
    }
