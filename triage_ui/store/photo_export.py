"""A ZIP of an ad's or a network's photos: the original bytes from their WARC records, with a manifest.

For comparison tools (reverse image search, face or object matching done elsewhere), investigators need
the files themselves, exactly as fetched: each photo comes from its own WARC record, is checked against
the seal, and is stored once under its SHA-256 even when several ads show it. ``manifest.json`` and
``manifest.csv`` (formula-safe) have one row per ad and photo: ad id, URL, SHA-256, pHash, size, EXIF
fields where present, WARC file and record id, the seal check, and the file name in the ZIP (empty
when the photo was never archived).
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from triage_ui.context import UIContext
from triage_ui.render.archived_html import image_media_type
from triage_ui.render.csvsafe import to_csv
from triage_ui.store.archive import photos

EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
CSV_COLUMNS = [
    "ad_id",
    "index",
    "url",
    "sha256",
    "phash",
    "width",
    "height",
    "file",
    "check",
    "warc_file",
    "warc_record_id",
    "exif",
    "error",
]


def photo_zip(
    ctx: UIContext, ads: list[dict], *, title: str, generated_by: str, generated_at: str
) -> tuple[bytes, int]:
    """(ZIP bytes, number of photo files) for ``ads`` (already permission-checked)."""
    rows: list[dict[str, Any]] = []
    files: dict[str, bytes] = {}
    for ad in ads:
        for photo in photos(ctx, ad):
            image, record = photo.image, photo.record
            row: dict[str, Any] = {
                "ad_id": ad["id"],
                "index": photo.index,
                "url": image.get("url"),
                "sha256": image.get("sha256"),
                "phash": image.get("phash"),
                "width": image.get("width"),
                "height": image.get("height"),
                "file": None,
                "check": record.check.status if record else "missing",
                "warc_file": record.warc_file if record else None,
                "warc_record_id": image.get("warc_record_id"),
                "exif": None,
                "error": photo.error,
            }
            if record is not None:
                media = image_media_type(record.payload) or "application/octet-stream"
                name = f"photos/{record.payload_sha256}.{EXTENSIONS.get(media, 'bin')}"
                files.setdefault(name, record.payload)
                row.update(
                    file=name,
                    sha256=record.payload_sha256,
                    exif=image.get("exif"),  # read by the crawler (crawler/photos.py), the one EXIF reader
                )
                if record.check.problems:
                    row["error"] = "; ".join(record.check.problems)
            rows.append(row)
    manifest = {
        "title": title,
        "generated_by": generated_by,
        "generated_at": generated_at,
        "ads": [ad["id"] for ad in ads],
        "photos": rows,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1), zipfile.ZIP_DEFLATED)
        csv_rows = (
            [row[c] if c != "exif" else json.dumps(row[c]) if row[c] else "" for c in CSV_COLUMNS] for row in rows
        )
        archive.writestr("manifest.csv", to_csv(CSV_COLUMNS, csv_rows).encode("utf-8-sig"), zipfile.ZIP_DEFLATED)
        for name, payload in sorted(files.items()):
            archive.writestr(name, payload, zipfile.ZIP_STORED)  # photos are compressed already
    return buffer.getvalue(), len(files)
