"""Check WARC evidence: re-read every record, re-hash it, check the manifest and its signature.

Problems are reported per file with a kind an analyst can act on:
``missing`` (file or manifest gone), ``unsealed`` (no manifest), ``bad-signature``,
``truncated`` (shorter than sealed, or a record cut off) and ``altered`` (a
digest or the file hash does not match).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from warcio.archiveiterator import ArchiveIterator

from crawler.evidence import signing
from crawler.evidence.warcstore import MANIFEST_FORMAT, SIG_SUFFIX, manifest_path
from crawler.state import StateStore
from crawler.storage import crawl_dir
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


def _sha256_label(data_hash: bytes) -> str:
    return "sha256:" + base64.b32encode(data_hash).decode()


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


def _load_manifest(path: Path, public_key: Ed25519PublicKey | None, report: FileReport) -> dict[str, Any] | None:
    mpath = manifest_path(path)
    if not mpath.exists():
        report.add("unsealed", "no manifest (crawl still running, or the manifest was removed)")
        return None
    data = mpath.read_bytes()
    sig = mpath.with_name(mpath.name + SIG_SUFFIX)
    if not sig.exists():
        report.add("missing", f"{sig.name} not found")
    elif public_key is not None and not signing.verify_signature(public_key, data, sig.read_bytes()):
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
    manifest = _load_manifest(path, public_key, report)
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
            label = _sha256_label(hashlib.sha256(block).digest())
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


def record_payload_sha256(path: Path, record_id: str) -> str | None:
    """SHA-256 (hex) of one record's payload, for checking an ad's ``evidence.sha256``."""

    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_headers.get_header("WARC-Record-ID") == record_id:
                return hashlib.sha256(record.content_stream().read()).hexdigest()
    return None


def _evidence_dir(given: Path | None) -> Path:
    return given or crawl_dir("SIGNAAL_EVIDENCE_DIR")


def _ad_targets(ad_id: str, evidence_dir: Path, state_dir: Path | None) -> list[tuple[Path, str, str]]:
    """(WARC file, record id, expected payload sha256) for every version of an ad."""
    site = ad_id.split(":", 1)[0]
    db = (state_dir or crawl_dir("SIGNAAL_STATE_DIR")) / f"{site}.sqlite"
    if not db.exists():
        raise LookupError(f"no crawl state for site {site!r} at {db}")
    store = StateStore(db)
    try:
        versions = store.versions(ad_id)
    finally:
        store.close()
    if not versions:
        raise LookupError(f"ad {ad_id} not found in {db}")
    out = []
    for record in versions:
        ev = record.get("evidence") or {}
        if ev:
            out.append((evidence_dir / ev["warc_file"], ev["record_id"], ev["sha256"]))
    return out


def run_verify(
    target: str | None,
    *,
    evidence_dir: Path | None = None,
    state_dir: Path | None = None,
    public_key: Path | None = None,
    echo: Any = print,
) -> int:
    """The ``signaal evidence verify`` command: 0 all good, 1 problems found, 2 usage error."""
    directory = _evidence_dir(evidence_dir)
    try:
        key = signing.load_public_key(public_key)
    except signing.SigningKeyError as exc:
        echo(f"error: {exc}")
        return 2
    expected: list[tuple[Path, str, str]] = []
    if target is None:
        files = sorted(directory.glob("*.warc.gz"))
        files += [
            m.with_name(m.name.removesuffix(".manifest.json"))
            for m in directory.glob("*.warc.gz.manifest.json")
            if not m.with_name(m.name.removesuffix(".manifest.json")).exists()
        ]
        if not files:
            echo(f"error: no WARC files in {directory}")
            return 2
    elif target.endswith(".warc.gz") or Path(target).is_file():
        path = Path(target)
        files = [path if path.exists() or path.is_absolute() else directory / target]
    elif target.strip("<>").startswith("urn:uuid:"):
        rid = "<" + target.strip("<>") + ">"
        found = find_record(directory, rid)
        if found is None:
            echo(f"error: record {rid} is in no manifest under {directory}")
            return 1
        files = [found]
    elif ":" in target:
        try:
            expected = _ad_targets(target, directory, state_dir)
        except LookupError as exc:
            echo(f"error: {exc}")
            return 2
        files = sorted({path for path, _, _ in expected})
    else:
        echo(f"error: {target!r} is not a WARC file, an ad id or a record id")
        return 2

    bad = 0
    for path in files:
        report = verify_file(path, key)
        for wpath, rid, sha in expected:
            if wpath == path and path.exists() and record_payload_sha256(path, rid) != sha:
                report.add("altered", f"record {rid} does not hold the page the ad refers to")
        if report.ok:
            echo(f"OK\t{path.name}\t{report.records} records")
        else:
            bad += 1
            for kind, detail in report.problems:
                echo(f"{kind.upper()}\t{path.name}\t{detail}")
    echo(f"{len(files) - bad} of {len(files)} file(s) verified" + (f", {bad} with problems" if bad else ""))
    return 1 if bad else 0
