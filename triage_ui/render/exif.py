"""EXIF fields of a photo's original bytes, as plain JSON-able values (for the photo export's manifest).

Camera make and model, capture time, software and GPS position can tie photos of different ads to one
phone or one place. Only tags with a name and a simple value are kept; binary blobs (maker notes,
thumbnails) are left out. A photo without EXIF (or not an image) gives an empty dict.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import ExifTags, Image, UnidentifiedImageError

MAX_TEXT = 200


def _plain(value: Any) -> Any:
    """A JSON-able version of an EXIF value, or None for what is not worth showing."""
    if isinstance(value, bytes):
        return None
    if isinstance(value, str):
        return value.strip("\x00 ")[:MAX_TEXT] or None
    if isinstance(value, int | float):
        return value
    if isinstance(value, tuple):
        items = [_plain(v) for v in value]
        return items if all(i is not None for i in items) else None
    try:
        return float(value)  # IFDRational
    except (TypeError, ValueError):
        return None


def exif_fields(data: bytes) -> dict[str, Any]:
    """Named EXIF tags of the image (base IFD, Exif IFD and GPS IFD)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
    except (UnidentifiedImageError, OSError, ValueError):
        return {}
    fields: dict[str, Any] = {}
    tables = (
        (dict(exif), ExifTags.TAGS),
        (exif.get_ifd(ExifTags.IFD.Exif), ExifTags.TAGS),
        (exif.get_ifd(ExifTags.IFD.GPSInfo), ExifTags.GPSTAGS),
    )
    for tags, names in tables:
        for tag, value in tags.items():
            name = names.get(tag)
            plain = _plain(value) if name and tag not in (ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo) else None
            if plain is not None:
                fields[name] = plain
    return fields
