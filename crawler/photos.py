"""What the crawler learns from one photo's bytes: hashes, size, format, camera metadata and a small UI copy.

Pure functions of the bytes (no I/O), so the image pipeline, the fixture truth and the tests compute the
same thing. Decoding is the expensive part, so it happens once, at reduced size where the format allows
(JPEG: libjpeg's DCT scaling via Pillow's ``draft``; other formats decode fully and are then reduced): the
perceptual hash and the analysts' copy (``UI_SIDE`` px, EXIF orientation applied, no metadata) are both
made from that one small image. The WARC record keeps the bytes exactly as served; nothing here changes them.

pHash versions (``images[].phash_version``): ``PHASH_VERSION`` hashes the upright picture (EXIF orientation
applied, so a re-upload with the rotation baked into its pixels matches) decoded at >= ``UI_SIDE`` px. On
the fixture photo mix it equals a full-size decode for ~94 % of photos and differs by 2 of 64 bits for the
rest (never more; docs/crawler.md, "Photos"), well inside linking's Hamming rule. Records without a version
were hashed full-size without orientation (photos without an orientation tag hash the same either way).
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import imagehash
from PIL import Image, ImageOps, UnidentifiedImageError

#: The longer side of the analysts' copy, and the least the photo is decoded at for hashing.
UI_SIDE = 400
UI_QUALITY = 80
PHASH_VERSION = "signaal.phash.v2"
#: Everything analyze_photo records; part of the key under which a crawl reuses an earlier analysis of the
#: same bytes (crawler.state.photo_records), so a change here is never answered from that cache.
ANALYSIS_VERSION = f"{PHASH_VERSION}+exif.v1+ui{UI_SIDE}"
#: Above this many pixels a photo is refused as a decompression bomb (Pillow itself warns above ~89 M).
DEFAULT_MAX_PIXELS = 80_000_000
# EXIF tags (TIFF/EXIF 2.32)
TAG_MAKE, TAG_MODEL, TAG_ORIENTATION, TAG_SOFTWARE, TAG_DATETIME = 0x010F, 0x0110, 0x0112, 0x0131, 0x0132
IFD_EXIF, IFD_GPS = 0x8769, 0x8825
TAG_DATETIME_ORIGINAL, TAG_OFFSET_TIME_ORIGINAL = 0x9003, 0x9011
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 1, 2, 3, 4
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_OFFSET = re.compile(r"^[+-](?:0\d|1[0-4]):[0-5]\d$")
_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")
MAX_TEXT = 80


class PhotoError(ValueError):
    """The bytes cannot be used as a photo; ``kind`` names why (a stats key), ``facts`` what was learnt anyway."""

    def __init__(self, kind: str, message: str, facts: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.facts = facts or {}


@dataclass
class Photo:
    """One analysed photo: the image record's fields (``record``) and the analysts' JPEG copy."""

    record: dict[str, Any]
    ui_copy: bytes = field(repr=False)


def _text(value: Any) -> str | None:
    """An EXIF string as plain text: bytes decoded, control characters and padding removed, length capped."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    cleaned = _CONTROL.sub(" ", value).strip()
    return cleaned[:MAX_TEXT] or None


def _taken_at(raw: Any, offset: Any) -> str | None:
    """EXIF "YYYY:MM:DD HH:MM:SS" (camera clock) as ISO 8601, with the recorded UTC offset when there is one."""
    text = _text(raw)
    if not text:
        return None
    try:
        moment = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None  # "0000:00:00 00:00:00" and other placeholders
    zone = _text(offset)
    return moment.isoformat() + (zone if zone and _OFFSET.match(zone) else "")


def _degrees(dms: Any, ref: Any) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(value):
        return None
    return -value if _text(ref) in ("S", "W") else value


def _gps(gps_ifd: dict[int, Any]) -> dict[str, float] | None:
    lat = _degrees(gps_ifd.get(GPS_LAT), gps_ifd.get(GPS_LAT_REF))
    lon = _degrees(gps_ifd.get(GPS_LON), gps_ifd.get(GPS_LON_REF))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None  # 0/0 is what cameras write without a fix
    return {"lat": round(lat, 6), "lon": round(lon, 6)}


def read_exif(image: Image.Image) -> dict[str, Any]:
    """The evidence in a photo's EXIF block: ``present`` (False: stripped), camera, capture time, GPS.

    Read from the file header only (no pixels decoded); every value is untrusted input and is checked.
    """
    try:
        exif = image.getexif()
    except (OSError, SyntaxError, ValueError):  # a corrupt block is the same as none for the evidence
        return {"present": False}
    if not len(exif):
        return {"present": False}
    out: dict[str, Any] = {"present": True}
    make, model = _text(exif.get(TAG_MAKE)), _text(exif.get(TAG_MODEL))
    if make:
        out["make"] = make
    if model:
        out["model"] = model
    if make or model:
        out["camera"] = (
            model
            if make and model and model.lower().startswith(make.lower())
            else f"{make or ''} {model or ''}".strip()
        )
    orientation = exif.get(TAG_ORIENTATION)
    if isinstance(orientation, int) and 1 <= orientation <= 8:
        out["orientation"] = orientation
    software = _text(exif.get(TAG_SOFTWARE))
    if software:
        out["software"] = software
    try:
        sub, gps_ifd = exif.get_ifd(IFD_EXIF), exif.get_ifd(IFD_GPS)
    except (OSError, SyntaxError, ValueError, KeyError):
        sub, gps_ifd = {}, {}
    taken = _taken_at(sub.get(TAG_DATETIME_ORIGINAL) or exif.get(TAG_DATETIME), sub.get(TAG_OFFSET_TIME_ORIGINAL))
    if taken:
        out["taken_at"] = taken
    position = _gps(gps_ifd)
    if position:
        out["gps"] = position
    return out


def decode_reduced(image: Image.Image, side: int = UI_SIDE) -> Image.Image:
    """The picture decoded at no less than ``side`` px on its longer side (when it is larger), upright.

    JPEG: libjpeg decodes at 1/2, 1/4 or 1/8 scale directly (``draft``), the lever that matters: most of a
    JPEG's decoding cost scales with the pixels produced. Other formats decode fully, then are reduced.
    """
    width, height = image.size
    scale = side / max(width, height)
    if scale < 1 and image.format == "JPEG":
        image.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
    image.load()
    factor = int(1 / scale) if scale < 1 else 1
    if factor > 1 and image.format != "JPEG":
        if image.mode not in ("L", "RGB", "RGBA"):  # reduce() works on these (palette PNGs, 16-bit, CMYK...)
            image = image.convert("RGBA" if "transparency" in image.info or "A" in image.mode else "RGB")
        image = image.reduce(factor)
    return ImageOps.exif_transpose(image)


def ui_copy(image: Image.Image, side: int = UI_SIDE) -> bytes:
    """The analysts' copy: at most ``side`` px, RGB JPEG, no metadata (the WARC keeps the original)."""
    small = image.convert("RGB") if image.mode != "RGB" else image.copy()
    small.thumbnail((side, side), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=UI_QUALITY)
    return out.getvalue()


def analyze_photo(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, sha256: str | None = None) -> Photo:
    """Hash, measure and read one photo; raises PhotoError (with what was learnt) when it cannot be used.
    ``sha256``: the bytes' digest when the caller has it already."""
    facts: dict[str, Any] = {"sha256": sha256 or hashlib.sha256(data).hexdigest()}
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:  # past Pillow's own, larger limit: refused before the size is known
        pixels = _BOMB_PIXELS.search(str(exc))
        facts.update({"pixels": int(pixels[1])} if pixels else {})
        raise PhotoError("decompression_bomb", str(exc), facts) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoError("not_an_image", str(exc) or "unrecognised image data", facts) from None
    with image:
        facts.update(width=image.width, height=image.height, format=(image.format or "").lower(), exif=read_exif(image))
        if image.width * image.height > max_pixels:
            raise PhotoError(
                "decompression_bomb",
                f"{image.width}x{image.height} = {image.width * image.height:,} pixels exceeds {max_pixels:,}",
                facts,
            )
        try:
            upright = decode_reduced(image)
        except (OSError, SyntaxError, ValueError) as exc:
            kind = "truncated_image" if "truncated" in str(exc) else "not_an_image"
            raise PhotoError(kind, str(exc), facts) from None
    record = {**facts, "phash": str(imagehash.phash(upright)), "phash_version": PHASH_VERSION}
    return Photo(record, ui_copy(upright))
