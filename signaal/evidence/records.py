"""Read one WARC record straight from its sealed file and say whether it is still as sealed.

The triage UI shows archived pages and exports photos from the WARC files themselves, never
re-fetched. A view must not re-hash a whole 100 MB file, so a record is checked on its own:
the manifest's Ed25519 signature, the record listed in that manifest, its block re-hashed and
compared with the sealed digest (and with the ``WARC-Block-Digest`` header), and, when the caller
knows it, the payload's SHA-256 compared with what the ad record says was fetched. The record is
read by the offset and length the manifest gives (one gzip member), so a view costs one seek and
one small inflate. ``signaal evidence verify`` still checks whole files.

Statuses: ``verified`` (every check passed), ``altered`` (a check failed: the reasons say which; a
file without manifest that no crawl is writing had its seal removed), ``unsealed`` (no manifest yet:
the crawl that writes the file is still running) and ``missing`` (the WARC file or the record cannot
be found).
"""

from __future__ import annotations

import hashlib
import re
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from warcio.archiveiterator import ArchiveIterator

from signaal.evidence.seal import (
    MANIFEST_FORMAT,
    SigningKeyError,
    index_path,
    load_public_key,
    manifest_path,
    sha256_label,
    signature_path,
    verify_signature,
)

VERIFIED, ALTERED, UNSEALED, MISSING = "verified", "altered", "unsealed", "missing"
#: WARC file names as the crawler writes them; anything else (a path, "..") is refused.
WARC_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.warc\.gz$")
#: ``<site>-<stamp>-<pid>-<serial>.warc.gz``: files of one crawl run share everything before the serial.
RUN_PART = re.compile(r"^(?P<run>.+-\d+)-(?P<serial>\d+)\.warc\.gz$")
MANIFEST_CACHE = 16


class EvidenceError(LookupError):
    """A record cannot be read (bad name, file or record not found); the message is one line."""


@dataclass(frozen=True)
class Check:
    """The outcome of checking one record against its seal."""

    status: str
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == VERIFIED


@dataclass(frozen=True)
class ArchivedRecord:
    """One record as stored: WARC headers, HTTP status and headers (response records) and payload bytes."""

    warc_file: str
    record_id: str
    offset: int
    raw: bytes  # the whole record, decompressed: WARC headers, block, trailing CRLFs
    warc_headers: list[tuple[str, str]]
    http_status: str | None
    http_headers: list[tuple[str, str]]
    payload: bytes
    check: Check
    sealed: dict[str, Any] = field(default_factory=dict)  # the manifest's entry for this record

    def warc_header(self, name: str) -> str | None:
        return _header(self.warc_headers, name)

    def http_header(self, name: str) -> str | None:
        return _header(self.http_headers, name)

    @property
    def uri(self) -> str:
        return self.warc_header("WARC-Target-URI") or ""

    @property
    def rendered(self) -> bool:
        """A browser-rendered DOM (``resource`` record) rather than the HTTP response as received."""
        return self.warc_header("WARC-Type") == "resource"

    @property
    def content_type(self) -> str:
        """Media type without parameters, lower-case (``text/html``)."""
        raw = self.http_header("Content-Type") if self.http_status else self.warc_header("Content-Type")
        return (raw or "application/octet-stream").split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str | None:
        raw = (self.http_header("Content-Type") if self.http_status else self.warc_header("Content-Type")) or ""
        match = re.search(r"charset=\"?([\w.:-]+)", raw, re.IGNORECASE)
        return match.group(1) if match else None

    @property
    def payload_sha256(self) -> str:
        return hashlib.sha256(self.payload).hexdigest()


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    lower = name.lower()
    return next((value for key, value in headers if key.lower() == lower), None)


def _parse_headers(head: bytes) -> tuple[str, list[tuple[str, str]]]:
    """(first line, [(name, value)]) of a CRLF header block."""
    lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers.append((name.strip(), value.strip()))
    return lines[0], headers


@dataclass
class _Manifest:
    """A parsed manifest: its signature check and its records by id."""

    signature: str  # "ok" | "bad" | "absent" (no .sig file) | "no-key" (no public key to check it with)
    head: dict[str, Any]
    records: dict[str, dict[str, Any]]


class EvidenceReader:
    """Reads single records from the sealed WARC files of one evidence directory.

    Manifests are parsed once and kept (a small LRU keyed by file identity, size and modification
    time, so a manifest changed on disk is read and checked again); records are read fresh on every
    call, so a changed byte in a record always shows. Thread-safe: the UI serves requests in threads.
    """

    def __init__(self, directory: Path, public_key: Ed25519PublicKey | Path | None) -> None:
        self.directory = directory
        self._public_key = public_key
        self._manifests: OrderedDict[tuple, _Manifest] = OrderedDict()
        self._located: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def public_key(self) -> Ed25519PublicKey | None:
        """The key that checks manifest signatures; a path is loaded on first use (the crawler creates the
        key pair on its first run, possibly after the UI started). None when there is none yet."""
        if isinstance(self._public_key, Path):
            try:
                self._public_key = load_public_key(self._public_key)
            except SigningKeyError:
                return None
        return self._public_key

    # -- finding ---------------------------------------------------------------------------------------
    def path_of(self, warc_file: str) -> Path:
        if not WARC_NAME.match(warc_file or ""):
            raise EvidenceError(f"not a WARC file name: {warc_file!r}")
        return self.directory / warc_file

    def _manifest(self, warc: Path) -> _Manifest | None:
        mpath, spath = manifest_path(warc), signature_path(warc)
        try:
            stat = mpath.stat()
        except FileNotFoundError:
            return None
        sig_stat = spath.stat() if spath.exists() else None
        public_key = self.public_key
        key = (
            str(mpath),
            stat.st_ino,
            stat.st_size,
            stat.st_mtime_ns,
            sig_stat and (sig_stat.st_ino, sig_stat.st_mtime_ns),
            public_key is not None,
        )
        with self._lock:
            if key in self._manifests:
                self._manifests.move_to_end(key)
                return self._manifests[key]
        data = mpath.read_bytes()
        if sig_stat is None:
            signature = "absent"
        elif public_key is None:
            signature = "no-key"
        else:
            signature = "ok" if verify_signature(public_key, data, spath.read_bytes()) else "bad"
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError:
            parsed = {}
        records = {r.get("record_id"): r for r in parsed.pop("records", None) or [] if isinstance(r, dict)}
        manifest = _Manifest(signature, parsed, records)
        with self._lock:
            self._manifests[key] = manifest
            while len(self._manifests) > MANIFEST_CACHE:
                self._manifests.popitem(last=False)
        return manifest

    def locate(self, record_id: str, hint: str | None = None) -> Path | None:
        """The WARC file holding ``record_id``: the hinted file first, then files of the same crawl run
        (newest first; photos reused within a run live in an earlier file of it), then every file."""
        if hint and WARC_NAME.match(hint):
            path = self.directory / hint
            manifest = self._manifest(path)
            if manifest is not None and record_id in manifest.records:
                return path
        with self._lock:
            known = self._located.get(record_id)
        if known and (self.directory / known).exists():
            return self.directory / known
        needle = record_id.encode()
        for mpath in self._search_order(hint):
            if needle in mpath.read_bytes():
                warc = mpath.with_name(mpath.name.removesuffix(".manifest.json"))
                with self._lock:
                    self._located[record_id] = warc.name
                return warc
        return None

    def _search_order(self, hint: str | None) -> list[Path]:
        manifests = sorted(self.directory.glob("*.warc.gz.manifest.json"), reverse=True)
        run = RUN_PART.match(hint or "")
        if run is None:
            return manifests
        prefix = run.group("run") + "-"
        same_run = [m for m in manifests if m.name.startswith(prefix)]
        return same_run + [m for m in manifests if not m.name.startswith(prefix)]

    # -- reading ---------------------------------------------------------------------------------------
    def read(
        self, record_id: str, warc_file: str | None = None, *, expected_sha256: str | None = None
    ) -> ArchivedRecord:
        """The record with its check; raises EvidenceError when it cannot be found or read at all."""
        path = self.path_of(warc_file) if warc_file else None
        hinted = self._manifest(path) if path is not None and path.exists() else None
        if path is None or not path.exists() or (hinted is not None and record_id not in hinted.records):
            path = self.locate(record_id, warc_file) or path  # a photo reused from an earlier file of the run
        if path is None or not path.exists():
            raise EvidenceError(f"WARC file for record {record_id} not found in {self.directory}")
        manifest = self._manifest(path)
        problems: list[str] = []
        if manifest is None:
            offset, length = _scan_for(path, record_id)
            entry: dict[str, Any] = {}
            status = UNSEALED
            if not index_path(path).exists():  # no crawl is writing it: the seal was removed
                problems.append("the file has no manifest and no crawl is writing it: its seal was removed")
        else:
            entry = manifest.records.get(record_id) or {}
            if not entry:
                raise EvidenceError(f"record {record_id} is not listed in the manifest of {path.name}")
            offset, length = int(entry["offset"]), int(entry["length"])
            status = VERIFIED
            problems += _seal_problems(manifest, path)
        record = _read_member(path, offset, length)
        block_label = sha256_label(record["block"])
        if record["record_id"] != record_id:
            problems.append(f"the bytes at offset {offset} are record {record['record_id']}, not {record_id}")
        if _header(record["warc_headers"], "WARC-Block-Digest") != block_label:
            problems.append("the record's content does not match its WARC-Block-Digest")
        if entry and entry.get("block_digest") != block_label:
            problems.append("the record's content differs from the digest in the signed manifest")
        payload = record["payload"]
        if expected_sha256 and hashlib.sha256(payload).hexdigest() != expected_sha256:
            problems.append("the record does not hold the bytes the ad record refers to (SHA-256 differs)")
        if problems:
            status = ALTERED
        return ArchivedRecord(
            warc_file=path.name,
            record_id=record_id,
            offset=offset,
            raw=record["raw"],
            warc_headers=record["warc_headers"],
            http_status=record["http_status"],
            http_headers=record["http_headers"],
            payload=payload,
            check=Check(status, tuple(problems)),
            sealed=entry,
        )


def _seal_problems(manifest: _Manifest, path: Path) -> list[str]:
    problems = {
        "ok": [],
        "absent": ["the manifest has no signature file"],
        "no-key": ["no public key to check the manifest signature with"],
        "bad": ["the manifest signature does not verify with the installation's public key"],
    }[manifest.signature]
    head = manifest.head
    if head.get("format") != MANIFEST_FORMAT or head.get("warc_file") != path.name:
        problems.append("the manifest does not describe this file")
    elif head.get("bytes") != path.stat().st_size:
        problems.append(f"the file is {path.stat().st_size} bytes, sealed with {head.get('bytes')}")
    return problems


def _read_member(path: Path, offset: int, length: int) -> dict[str, Any]:
    """One gzip member of the WARC file, split into WARC headers, block, HTTP headers and payload."""
    with path.open("rb") as fh:
        fh.seek(offset)
        compressed = fh.read(length)
    try:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        raw = inflater.decompress(compressed)
    except zlib.error as exc:
        raise EvidenceError(f"record at offset {offset} of {path.name} cannot be read: {exc}") from None
    head, sep, rest = raw.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"WARC/"):
        raise EvidenceError(f"no WARC record at offset {offset} of {path.name}")
    _, warc_headers = _parse_headers(head)
    try:
        block_length = int(_header(warc_headers, "Content-Length") or "")
    except ValueError:
        raise EvidenceError(f"record at offset {offset} of {path.name} has no Content-Length") from None
    block = rest[:block_length]
    http_status, http_headers, payload = None, [], block
    if _header(warc_headers, "WARC-Type") == "response" and block.startswith(b"HTTP/"):
        http_head, _, payload = block.partition(b"\r\n\r\n")
        status_line, http_headers = _parse_headers(http_head)
        http_status = status_line.split(" ", 1)[1] if " " in status_line else status_line
    return {
        "raw": raw,
        "record_id": _header(warc_headers, "WARC-Record-ID"),
        "warc_headers": warc_headers,
        "block": block,
        "http_status": http_status,
        "http_headers": http_headers,
        "payload": payload,
    }


def _scan_for(path: Path, record_id: str) -> tuple[int, int]:
    """(offset, length) of a record in a file without manifest (a crawl still writing it)."""
    found = None
    with path.open("rb") as fh:
        records = ArchiveIterator(fh, no_record_parse=True, check_digests=False)
        for record in records:
            if found is not None:
                return found, records.get_record_offset() - found
            if record.rec_headers.get_header("WARC-Record-ID") == record_id:
                found = records.get_record_offset()
    if found is None:
        raise EvidenceError(f"record {record_id} not found in {path.name}")
    return found, path.stat().st_size - found
