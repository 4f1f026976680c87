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
from crawler.evidence.warcstore import MANIFEST_FORMAT, SIG_SUFFIX, index_path, manifest_path
from crawler.state import StateStore
from signaal.ids import file_sha256
from signaal.paths import var_dir


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
        if index_path(path).exists():  # the crawler's side file: this file is still being written
            report.add("unsealed", "no manifest yet: a crawl is still writing this file")
        else:
            report.add("missing", f"{mpath.name} not found, and no crawl is writing this file: the seal was removed")
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


def _evidence_dir(given: Path | None) -> Path:
    return given or var_dir() / "evidence"


def _ad_targets(ad_id: str, evidence_dir: Path, state_dir: Path | None) -> list[tuple[Path, str, str, str | None]]:
    """(WARC file, record id, expected payload sha256, page URL) for every version of an ad."""
    site = ad_id.split(":", 1)[0]
    db = (state_dir or var_dir() / "crawl-state") / f"{site}.sqlite"
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
            name = str(ev.get("warc_file", ""))
            if Path(name).name != name or not name.endswith(".warc.gz"):  # never a path out of the directory
                raise LookupError(f"ad {ad_id} names {name!r} as its evidence file, which is not a WARC file name")
            out.append((evidence_dir / name, ev["record_id"], ev["sha256"], record.get("url")))
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
    expected: list[tuple[Path, str, str, str | None]] = []
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
        files = sorted({path for path, *_ in expected})
    else:
        echo(f"error: {target!r} is not a WARC file, an ad id or a record id")
        return 2

    bad = 0
    for path in files:
        report = verify_file(path, key)
        for wpath, rid, sha, url in expected:
            if wpath == path and path.exists() and (problem := ad_record_problem(path, rid, sha, url)):
                report.add("altered", problem)
        if report.ok:
            echo(f"OK\t{path.name}\t{report.records} records")
        else:
            bad += 1
            for kind, detail in report.problems:
                echo(f"{kind.upper()}\t{path.name}\t{detail}")
    echo(f"{len(files) - bad} of {len(files)} file(s) verified" + (f", {bad} with problems" if bad else ""))
    return 1 if bad else 0
