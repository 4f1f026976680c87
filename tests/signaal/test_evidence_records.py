"""Reading single WARC records and checking each against its seal (signaal.evidence.records)."""

from __future__ import annotations

import zlib
from pathlib import Path

import orjson
import pytest

from crawler.evidence.warcstore import WarcStore
from signaal.evidence.records import ALTERED, UNSEALED, VERIFIED, EvidenceError, EvidenceReader
from signaal.evidence.seal import PUBLIC_NAME, manifest_path

PAGE = b"<html><body><h1>Anna, 24, Utrecht</h1></body></html>"


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    return tmp_path / "keys"


def _store(directory: Path, keys: Path, **kwargs) -> WarcStore:
    return WarcStore(directory, "prikbord", key_dir=keys, **kwargs)


def test_a_sealed_record_reads_back_verified_with_headers_and_payload(tmp_path, keys):
    store = _store(tmp_path / "ev", keys)
    ev = store.write("http://127.0.0.1:1/ad/1", PAGE, headers=[("Content-Type", "text/html; charset=utf-8")])
    store.close()
    reader = EvidenceReader(tmp_path / "ev", keys / PUBLIC_NAME)
    record = reader.read(ev.record_id, ev.warc_file, expected_sha256=ev.sha256)
    assert record.check.status == VERIFIED and record.check.problems == ()
    assert record.payload == PAGE and record.payload_sha256 == ev.sha256
    assert record.uri == "http://127.0.0.1:1/ad/1" and record.http_status.startswith("200")
    assert record.content_type == "text/html" and record.charset == "utf-8"
    assert record.raw.startswith(b"WARC/") and record.sealed["record_id"] == ev.record_id


def test_a_record_of_an_open_file_is_unsealed(tmp_path, keys):
    store = _store(tmp_path / "ev", keys)
    ev = store.write("http://127.0.0.1:1/ad/1", PAGE)
    record = EvidenceReader(tmp_path / "ev", keys / PUBLIC_NAME).read(ev.record_id, ev.warc_file)
    assert record.check.status == UNSEALED and record.payload == PAGE
    store.close()


def test_a_sealed_file_whose_manifest_was_removed_is_altered_not_unsealed(tmp_path, keys):
    store = _store(tmp_path / "ev", keys)
    ev = store.write("http://127.0.0.1:1/ad/1", PAGE)
    store.close()
    manifest_path(tmp_path / "ev" / ev.warc_file).unlink()  # no crawl writes the file: the seal was removed
    record = EvidenceReader(tmp_path / "ev", keys / PUBLIC_NAME).read(ev.record_id, ev.warc_file)
    assert record.check.status == ALTERED and any("seal was removed" in p for p in record.check.problems)
    assert record.payload == PAGE


def test_changed_bytes_a_bad_signature_and_a_wrong_sha256_are_altered(tmp_path, keys):
    store = _store(tmp_path / "ev", keys)
    ev = store.write("http://127.0.0.1:1/ad/1", PAGE)
    store.close()
    reader = EvidenceReader(tmp_path / "ev", keys / PUBLIC_NAME)
    record = reader.read(ev.record_id, ev.warc_file)
    warc = tmp_path / "ev" / ev.warc_file
    original = warc.read_bytes()
    start, end = record.sealed["offset"], record.sealed["offset"] + record.sealed["length"]
    raw = zlib.decompress(original[start:end], 16 + zlib.MAX_WBITS).replace(b"Anna", b"Anne")
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    warc.write_bytes(original[:start] + packer.compress(raw) + packer.flush() + original[end:])
    changed = reader.read(ev.record_id, ev.warc_file)
    assert changed.check.status == ALTERED and any("WARC-Block-Digest" in p for p in changed.check.problems)
    warc.write_bytes(original)
    assert reader.read(ev.record_id, ev.warc_file, expected_sha256="0" * 64).check.status == ALTERED
    mpath = manifest_path(warc)
    manifest = orjson.loads(mpath.read_bytes())
    manifest["sealed_at"] = "2020-01-01T00:00:00.000Z"
    mpath.write_bytes(orjson.dumps(manifest))
    forged = reader.read(ev.record_id, ev.warc_file)
    assert forged.check.status == ALTERED and any("signature" in p for p in forged.check.problems)


def test_without_the_public_key_nothing_is_verified(tmp_path, keys):
    store = _store(tmp_path / "ev", keys)
    ev = store.write("http://127.0.0.1:1/ad/1", PAGE)
    store.close()
    record = EvidenceReader(tmp_path / "ev", tmp_path / "nowhere.pem").read(ev.record_id, ev.warc_file)
    assert record.check.status == ALTERED and "no public key" in record.check.problems[0]


def test_a_photo_is_found_in_an_earlier_file_of_its_run(tmp_path, keys):
    store = _store(tmp_path / "ev", keys, max_bytes=600)
    photo = store.write("http://127.0.0.1:1/img/a.png", b"\x89PNG" + bytes(900))
    pages = [store.write(f"http://127.0.0.1:1/ad/{i}", PAGE) for i in range(3)]
    store.close()
    assert pages[-1].warc_file != photo.warc_file
    reader = EvidenceReader(tmp_path / "ev", keys / PUBLIC_NAME)
    found = reader.read(photo.record_id, pages[-1].warc_file)  # hint: the page's file, as an image entry gives
    assert found.warc_file == photo.warc_file and found.check.status == VERIFIED


def test_names_outside_the_evidence_directory_are_refused(tmp_path, keys):
    reader = EvidenceReader(tmp_path / "ev", keys / PUBLIC_NAME)
    for name in ("../keys/x.warc.gz", "/etc/passwd", "a/b.warc.gz", "x.txt"):
        with pytest.raises(EvidenceError):
            reader.path_of(name)
