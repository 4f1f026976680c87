"""Write fetched pages and images to WARC files with SHA-256 digests, and seal each closed file.

warcio computes SHA-1 digests, which only catch accidental corruption; here
every record's ``WARC-Block-Digest`` and ``WARC-Payload-Digest`` are SHA-256.
Files rotate by size. Closing a file *seals* it: a JSON manifest listing the
file's SHA-256, size and every record (id, offset, digests), signed with the
installation's Ed25519 key and, when ``SIGNAAL_TSA_URL`` is set, timestamped
by an RFC 3161 authority. A file left open by a killed crawler is sealed on the
next start, after cutting off a half-written last record.
"""

from __future__ import annotations

import hashlib
import io
import logging
import mmap
import os
import socket
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from crawler.evidence import signing
from signaal.evidence.seal import MANIFEST_FORMAT, index_path, manifest_path, public_key_info, signature_path
from signaal.ids import file_sha256, utc_now

log = logging.getLogger(__name__)


#: Payloads that are compressed already: gzip finds ~1 % to save in a JPEG or WebP and costs ~20 ms per
#: megabyte at warcio's level 9, in the crawler's event loop. Their records are gzip members with stored
#: (level 0) blocks: still one valid member per record, same digests, ~12 % more disk on the fixture photo mix.
COMPRESSED_MEDIA = ("image/jpeg", "image/webp", "image/png", "image/gif", "image/avif")
TEXT_LEVEL, MEDIA_LEVEL = 9, 0


class _GzipMember:
    """One gzip member around one record (what warcio's GzippingWrapper does), at a chosen level."""

    def __init__(self, out: Any, level: int) -> None:
        self.compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        self.out = out

    def write(self, buff: bytes) -> None:
        self.out.write(self.compressor.compress(buff))

    def flush(self) -> None:
        self.out.write(self.compressor.flush())
        self.out.flush()


class Sha256WARCWriter(WARCWriter):
    """warcio's writer with SHA-256 instead of SHA-1 for block and payload digests, and photos' records
    gzipped without recompressing their already compressed bytes (COMPRESSED_MEDIA)."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")

    def _write_warc_record(self, out: Any, record: Any) -> None:
        if not self.gzip:
            super()._write_warc_record(out, record)
            return
        media = (record.http_headers.get_header("Content-Type") or "") if record.http_headers else ""
        level = MEDIA_LEVEL if media.split(";")[0].strip().lower() in COMPRESSED_MEDIA else TEXT_LEVEL
        self.gzip = False  # the member is opened here instead of in warcio, with its own level
        try:
            super()._write_warc_record(_GzipMember(out, level), record)
        finally:
            self.gzip = True


def manifest_bytes(head: dict[str, Any], records_jsonl: bytes) -> bytes:
    """The manifest: ``head`` plus ``"records"``, a JSON array made of the records' JSON Lines as they are.

    The lines are spliced in as bytes, never parsed: 60,000 records read back as dicts took ~50 MiB of
    small Python objects for a moment at every rotation, and the heap kept part of that high-water mark
    for the rest of the crawl (docs/crawler.md, Performance)."""
    data = orjson.dumps(head, option=orjson.OPT_INDENT_2)
    if not records_jsonl.strip():
        return data[:-2] + b',\n  "records": []\n}'
    sep = b",\n    "
    body = records_jsonl.replace(b"\n", sep)  # every line ends with one newline, so body ends with sep
    return b"".join((data[:-2], b',\n  "records": [\n    ', memoryview(body)[: -len(sep)], b"\n  ]\n}"))


@dataclass
class _OpenFile:
    path: Path
    fh: Any
    writer: Sha256WARCWriter
    index: Any

    def records_jsonl(self) -> bytes:
        """The record index as written (JSON Lines); the side file is removed."""
        self.index.close()
        ipath = index_path(self.path)
        data = ipath.read_bytes()
        ipath.unlink()
        return data


@dataclass(frozen=True)
class Evidence:
    """Where one fetched page or image is kept: goes into the ad as ``evidence``."""

    warc_file: str
    record_id: str
    sha256: str
    fetched_at: str

    def as_dict(self) -> dict[str, str]:
        return {
            "warc_file": self.warc_file,
            "record_id": self.record_id,
            "sha256": self.sha256,
            "fetched_at": self.fetched_at,
        }


class WarcStore:
    """Appends records to the current WARC file of one crawl; not thread-safe (reactor thread only)."""

    def __init__(
        self,
        directory: Path,
        prefix: str,
        *,
        max_bytes: int = 100_000_000,
        tsa_url: str | None = None,
        key_dir: Path | None = None,
    ) -> None:
        self.directory = directory
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.tsa_url = tsa_url
        self.key_dir = key_dir
        self._key = signing.load_private_key(key_dir)
        self._current: _OpenFile | None = None
        self._serial = 0
        directory.mkdir(parents=True, exist_ok=True)
        self.sealed: list[Path] = []
        for orphan in sorted(directory.glob(f"{prefix}-*.warc.gz")):
            if not manifest_path(orphan).exists():
                log.warning("sealing %s left open by an interrupted crawl", orphan.name)
                self._seal(orphan, records_jsonl=None)
            index_path(orphan).unlink(missing_ok=True)  # re-indexed from the file itself by recover()

    # -- writing ------------------------------------------------------------------------------
    def _open(self) -> _OpenFile:
        if self._current is None:
            self._serial += 1
            stamp = utc_now().replace(":", "").replace("-", "").replace(".", "")
            name = f"{self.prefix}-{stamp}-{os.getpid()}-{self._serial:05d}.warc.gz"
            path = self.directory / name
            fh = path.open("xb")
            writer = Sha256WARCWriter(fh, gzip=True)
            info = writer.create_warcinfo_record(
                name, {"software": "signaal crawler", "hostname": socket.gethostname(), "format": "WARC 1.1"}
            )
            self._current = _OpenFile(path, fh, writer, index_path(path).open("wb"))
            self._write(info)
        return self._current

    def _write(self, record: Any) -> dict[str, Any]:
        cur = self._current
        assert cur is not None
        offset = cur.fh.tell()
        cur.writer.write_record(record)
        cur.fh.flush()  # in the kernel: survives kill -9 of the crawler
        entry = {
            "record_id": record.rec_headers.get_header("WARC-Record-ID"),
            "type": record.rec_type,
            "uri": record.rec_headers.get_header("WARC-Target-URI"),
            "offset": offset,
            "length": cur.fh.tell() - offset,
            "block_digest": record.rec_headers.get_header("WARC-Block-Digest"),
        }
        cur.index.write(orjson.dumps(entry) + b"\n")
        return entry

    def write(
        self,
        url: str,
        body: bytes,
        *,
        status: int = 200,
        headers: list[tuple[str, str]] | None = None,
        fetched_at: str | None = None,
        rendered: bool = False,
        content_type: str = "text/html",
    ) -> Evidence:
        """Store one fetched page or image; ``rendered`` pages (browser DOM) become ``resource`` records."""
        cur = self._open()
        fetched_at = fetched_at or utc_now()
        warc_headers = {"WARC-Date": fetched_at.replace(".", "").rstrip("Z")[:19] + "Z"}
        if rendered:
            warc_headers["WARC-Signaal-Rendered"] = "browser"
            record = cur.writer.create_warc_record(
                url,
                "resource",
                payload=io.BytesIO(body),
                length=len(body),
                warc_content_type=content_type,
                warc_headers_dict=warc_headers,
            )
        else:
            http_headers = StatusAndHeaders(f"{status} OK", headers or [], protocol="HTTP/1.1")
            record = cur.writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=http_headers,
                warc_headers_dict=warc_headers,
            )
        entry = self._write(record)
        evidence = Evidence(cur.path.name, entry["record_id"], hashlib.sha256(body).hexdigest(), fetched_at)
        if cur.fh.tell() >= self.max_bytes:
            self.close()
        return evidence

    def close(self) -> None:
        """Seal the current file (rotation or end of crawl)."""
        cur, self._current = self._current, None
        if cur is None:
            return
        cur.fh.flush()
        os.fsync(cur.fh.fileno())
        cur.fh.close()
        self._seal(cur.path, cur.records_jsonl())

    # -- sealing ------------------------------------------------------------------------------
    def _seal(self, path: Path, records_jsonl: bytes | None) -> None:
        """Write and sign the manifest; ``records_jsonl`` None means re-index the file (interrupted crawl)."""
        recovered = records_jsonl is None
        if records_jsonl is None:
            records_jsonl = b"".join(orjson.dumps(r) + b"\n" for r in recover(path))
        head = {
            "format": MANIFEST_FORMAT,
            "warc_file": path.name,
            "bytes": path.stat().st_size,
            "sha256": file_sha256(path),
            "sealed_at": utc_now(),
            "recovered": recovered,
            "key": public_key_info(self._key.public_key()),
        }
        data = manifest_bytes(head, records_jsonl)
        mpath = manifest_path(path)
        mpath.write_bytes(data)
        signature_path(path).write_bytes(signing.sign(self._key, data))
        if self.tsa_url:
            try:
                signing.request_timestamp(self.tsa_url, data, mpath)
            except Exception as exc:
                log.warning("no RFC 3161 timestamp for %s (%s); request kept as .tsq", path.name, exc)
        self.sealed.append(path)


def recover(path: Path) -> list[dict[str, Any]]:
    """Index the complete records of a WARC file and cut off a half-written tail (killed writer).

    The file is mapped, not read, and each gzip member is inflated from 64 KiB slices of the map: slicing
    the rest of the file for every member made recovering a 100 MB file (~60,000 records) quadratic."""
    records: list[dict[str, Any]] = []
    size = path.stat().st_size
    offset = 0
    if size:
        with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            while offset < size:
                member = _member(data, offset, size)
                if member is None:
                    break
                block, length = member
                entry = _index_member(block, offset, length)
                if entry is None:
                    break
                records.append(entry)
                offset += length
    if offset < size:
        log.warning("%s: cutting %d bytes of an incomplete record", path.name, size - offset)
        with path.open("r+b") as fh:
            fh.truncate(offset)
    return records


RECOVER_SLICE = 1 << 16


def _member(data: mmap.mmap, offset: int, size: int) -> tuple[bytes, int] | None:
    """(inflated block, compressed length) of the gzip member at ``offset``; None if it is cut or corrupt."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    parts = []
    pos = offset
    try:
        while not inflater.eof and pos < size:
            end = min(pos + RECOVER_SLICE, size)
            parts.append(inflater.decompress(data[pos:end]))
            pos = end
    except zlib.error:
        return None
    if not inflater.eof:
        return None
    return b"".join(parts), pos - offset - len(inflater.unused_data)


def _index_member(block: bytes, offset: int, length: int) -> dict[str, Any] | None:
    head, sep, _ = block.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"WARC/"):
        return None
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.decode("utf-8", "replace").partition(":")
        headers[name.strip().lower()] = value.strip()
    return {
        "record_id": headers.get("warc-record-id"),
        "type": headers.get("warc-type"),
        "uri": headers.get("warc-target-uri"),
        "offset": offset,
        "length": length,
        "block_digest": headers.get("warc-block-digest"),
    }
