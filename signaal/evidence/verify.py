"""Check WARC evidence: re-read every record, re-hash it, check the manifest and its signature.

Problems are reported per file with a kind an analyst can act on:
``missing`` (file, manifest or signature gone), ``unsealed`` (no manifest while a
crawl is still writing the file), ``bad-signature``, ``truncated`` (shorter than
sealed, or a record cut off) and ``altered`` (a digest or the file hash does not
match, a manifest describes another file, or an ad points at a record that holds
another page).

Tampering it catches, each with a test (tests/crawler/test_evidence.py): a flipped byte,
a cut file, a removed file, manifest or signature, a manifest or signature swapped with
another file's, a record rewritten with a recomputed digest (and re-gzipped), and an ad
whose evidence names another record (or another record's digest, or a path outside the
evidence directory).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from warcio.archiveiterator import ArchiveIterator

from signaal.evidence.seal import (
    MANIFEST_FORMAT,
    index_path,
    manifest_path,
    sha256_label,
    signature_path,
    verify_signature,
)
from signaal.ids import file_sha256


@dataclass
class FileReport:
    """The outcome for one WARC file."""

    warc_file: str
    records: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, detail: str) -> None:
        self.problems.append((kind, detail))


def _iter_blocks(path: Path) -> Iterable[tuple[dict[str, str], bytes, int]]:
    """(WARC headers, raw block, offset) per record; raises on a cut or corrupt record."""

    with path.open("rb") as fh:
        it = ArchiveIterator(fh, no_record_parse=True, check_digests=False)
        for record in it:
            headers = {k.lower(): v for k, v in record.rec_headers.headers}
            block = record.raw_stream.read()
            declared = int(headers.get("content-length", "-1"))
            if declared != len(block):
                raise EOFError(f"record {headers.get('warc-record-id')} is cut off")
            yield headers, block, it.get_record_offset()


def load_manifest(path: Path, public_key: Ed25519PublicKey | None, report: FileReport) -> dict[str, Any] | None:
    """The parsed manifest of WARC file ``path``; missing, unsigned or badly signed manifests are reported."""
    mpath = manifest_path(path)
    if not mpath.exists():
        if index_path(path).exists():  # the crawler's side file: this file is still being written
            report.add("unsealed", "no manifest yet: a crawl is still writing this file")
        else:
            report.add("missing", f"{mpath.name} not found, and no crawl is writing this file: the seal was removed")
        return None
    data = mpath.read_bytes()
    sig = signature_path(path)
    if not sig.exists():
        report.add("missing", f"{sig.name} not found")
    elif public_key is not None and not verify_signature(public_key, data, sig.read_bytes()):
        report.add("bad-signature", "manifest signature does not verify with the installation key")
    try:
        manifest = orjson.loads(data)
    except orjson.JSONDecodeError:
        report.add("altered", "manifest is not valid JSON")
        return None
    if manifest.get("format") != MANIFEST_FORMAT or manifest.get("warc_file") != path.name:
        report.add("altered", "manifest does not describe this file")
    return manifest


def verify_file(path: Path, public_key: Ed25519PublicKey | None) -> FileReport:
    """Every check for one WARC file."""
    report = FileReport(path.name)
    if not path.exists():
        report.add("missing", f"{path} not found")
        return report
    manifest = load_manifest(path, public_key, report)
    size = path.stat().st_size
    if manifest is not None:
        if size < manifest["bytes"]:
            report.add("truncated", f"{size} bytes, sealed with {manifest['bytes']}")
        elif size != manifest["bytes"] or file_sha256(path) != manifest["sha256"]:
            report.add("altered", "file SHA-256 differs from the signed manifest")
    sealed = {r["record_id"]: r for r in (manifest or {}).get("records", [])}
    seen: set[str] = set()
    try:
        for headers, block, offset in _iter_blocks(path):
            report.records += 1
            rid = headers.get("warc-record-id", "")
            seen.add(rid)
            label = sha256_label(block)
            if headers.get("warc-block-digest") != label:
                report.add("altered", f"record {rid} at offset {offset}: content does not match its digest")
            elif rid in sealed and sealed[rid]["block_digest"] != label:
                report.add("altered", f"record {rid}: digest differs from the signed manifest")
    except Exception as exc:  # gzip/WARC parse errors: the file was cut or overwritten
        kind = "truncated" if isinstance(exc, EOFError) or "EOF" in str(exc) or "end" in str(exc) else "altered"
        first = str(exc).splitlines()[0][:60].encode("ascii", "replace").decode() if str(exc) else type(exc).__name__
        report.add(kind, f"cannot read past record {report.records}: {first}")
    lost = [rid for rid in sealed if rid not in seen]
    if lost and report.ok:
        report.add("truncated", f"{len(lost)} sealed record(s) not found in the file")
    return report


def find_record(directory: Path, record_id: str) -> Path | None:
    """The WARC file whose manifest lists ``record_id``."""
    for mpath in sorted(directory.glob("*.warc.gz.manifest.json")):
        if record_id.encode() in mpath.read_bytes():
            return mpath.with_name(mpath.name.removesuffix(".manifest.json"))
    return None


def record_payload(path: Path, record_id: str) -> tuple[str, str | None] | None:
    """(SHA-256 hex of the payload, target URI) of one record, or None if the file holds no such record."""

    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_headers.get_header("WARC-Record-ID") == record_id:
                digest = hashlib.sha256(record.content_stream().read()).hexdigest()
                return digest, record.rec_headers.get_header("WARC-Target-URI")
    return None


def record_payload_sha256(path: Path, record_id: str) -> str | None:
    """SHA-256 (hex) of one record's payload, for checking an ad's ``evidence.sha256``."""
    found = record_payload(path, record_id)
    return found[0] if found else None


def ad_record_problem(path: Path, record_id: str, sha256: str, url: str | None) -> str | None:
    """Why the record an ad version names is not that ad's page (None: it is)."""
    found = record_payload(path, record_id)
    if found is None:
        return f"record {record_id} named by the ad is not in the file"
    digest, uri = found
    if digest != sha256:
        return f"record {record_id} does not hold the page the ad refers to (digest differs)"
    if url and uri != url:
        return f"record {record_id} holds {uri}, not the ad's page {url}"
    return None
