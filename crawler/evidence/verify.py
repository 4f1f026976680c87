"""``signaal evidence verify``: which WARC files to check for a file, record or ad id, and the report.

The checks themselves (re-hash every record, check the manifest and its signature, and whether a
record is the page an ad names) are ``signaal.evidence.verify``, shared with the triage UI's
archived-page viewer. Here: an ad's evidence file name must be a plain WARC file name in the
evidence directory (never a path out of it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crawler.state import StateStore
from signaal.evidence.records import WARC_NAME
from signaal.evidence.seal import SigningKeyError, load_public_key
from signaal.evidence.verify import ad_record_problem, find_record, verify_file
from signaal.paths import crawl_dir


def _evidence_dir(given: Path | None) -> Path:
    return given or crawl_dir("SIGNAAL_EVIDENCE_DIR")


def _ad_targets(ad_id: str, evidence_dir: Path, state_dir: Path | None) -> list[tuple[Path, str, str, str | None]]:
    """(WARC file, record id, expected payload sha256, page URL) for every version of an ad."""
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
            name = str(ev.get("warc_file", ""))
            if not WARC_NAME.match(name):  # never a path out of the evidence directory
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
        key = load_public_key(public_key)
    except SigningKeyError as exc:
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
