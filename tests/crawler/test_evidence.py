"""WARC evidence: SHA-256 digests, signed manifests, and verify catching altered, truncated, missing files."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import stat
from pathlib import Path

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from warcio.archiveiterator import ArchiveIterator

from crawler.evidence import signing
from crawler.evidence.verify import run_verify
from crawler.evidence.warcstore import Sha256WARCWriter, WarcStore
from crawler.state import StateStore
from signaal.evidence.seal import PRIVATE_NAME, index_path, load_public_key, manifest_path, signature_path
from signaal.evidence.verify import record_payload_sha256, verify_file


@pytest.fixture
def keys(tmp_path, monkeypatch) -> Path:
    key_dir = tmp_path / "keys"
    monkeypatch.setenv("SIGNAAL_KEY_DIR", str(key_dir))
    return key_dir


def _fill(directory: Path, n: int = 6, **kwargs) -> tuple[WarcStore, list]:
    store = WarcStore(directory, "prikbord", **kwargs)
    evs = [
        store.write(
            f"http://127.0.0.1:1/ad/p{i:05d}",
            f"<article>ad {i}</article>".encode() * 40,
            headers=[("Content-Type", "text/html")],
        )
        for i in range(n)
    ]
    evs.append(store.write("http://127.0.0.1:1/img/x.png", os.urandom(3000), headers=[("Content-Type", "image/png")]))
    store.close()
    return store, evs


def test_key_is_created_private_and_digests_are_sha256(tmp_path, keys):
    _, evs = _fill(tmp_path / "ev")
    private = keys / PRIVATE_NAME
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    warc = tmp_path / "ev" / evs[0].warc_file
    report = verify_file(warc, load_public_key())
    assert report.ok and report.records == 8  # warcinfo + 6 pages + 1 image
    body = b"<article>ad 0</article>" * 40
    assert evs[0].sha256 == hashlib.sha256(body).hexdigest()
    assert record_payload_sha256(warc, evs[0].record_id) == evs[0].sha256
    manifest = orjson.loads(manifest_path(warc).read_bytes())
    assert len(manifest["records"]) == 8 and manifest["records"][0]["type"] == "warcinfo"
    assert all(r["block_digest"].startswith("sha256:") for r in manifest["records"])
    expected = "sha256:" + base64.b32encode(hashlib.sha256(body).digest()).decode()
    with warc.open("rb") as fh:
        digests = [r.rec_headers.get_header("WARC-Payload-Digest") for r in ArchiveIterator(fh)]
    assert expected in digests


def test_photos_are_stored_uncompressed_in_their_gzip_member_and_read_back_byte_for_byte(tmp_path, keys):
    """Already compressed media skip gzip's work (stored blocks); pages are compressed; both verify."""
    store = WarcStore(tmp_path / "ev", "prikbord")
    photo = os.urandom(64_000)
    page = b"<article>ad</article>" * 400
    ev_photo = store.write("http://127.0.0.1:1/img/a.jpg", photo, headers=[("Content-Type", "image/jpeg")])
    ev_page = store.write("http://127.0.0.1:1/ad/p1", page, headers=[("Content-Type", "text/html; charset=utf-8")])
    store.close()
    warc = tmp_path / "ev" / ev_photo.warc_file
    assert verify_file(warc, load_public_key()).ok
    lengths = {r["record_id"]: r["length"] for r in orjson.loads(manifest_path(warc).read_bytes())["records"]}
    assert lengths[ev_photo.record_id] > len(photo)  # stored: the member holds every byte plus headers
    assert lengths[ev_page.record_id] < len(page) / 10  # text is still compressed
    with warc.open("rb") as fh:
        bodies = {r.rec_headers.get_header("WARC-Record-ID"): r.content_stream().read() for r in ArchiveIterator(fh)}
    assert bodies[ev_photo.record_id] == photo and bodies[ev_page.record_id] == page


def test_files_rotate_by_size_and_each_is_sealed(tmp_path, keys):
    store, evs = _fill(tmp_path / "ev", n=30, max_bytes=2000)
    files = {e.warc_file for e in evs}
    assert len(files) > 1 and len(store.sealed) == len(files)
    assert run_verify(None, evidence_dir=tmp_path / "ev", echo=lambda *_: None) == 0


def test_verify_catches_changed_byte_truncation_missing_and_bad_signature(tmp_path, keys):
    _, evs = _fill(tmp_path / "ev")
    warc = tmp_path / "ev" / evs[0].warc_file
    original = warc.read_bytes()
    key = load_public_key()
    lines: list[str] = []

    flipped = bytearray(original)
    flipped[len(original) // 2] ^= 0x01
    warc.write_bytes(bytes(flipped))
    report = verify_file(warc, key)
    assert not report.ok and "altered" in {k for k, _ in report.problems}
    assert run_verify(str(warc), evidence_dir=tmp_path / "ev", echo=lines.append) == 1
    assert lines[0].startswith("ALTERED")

    warc.write_bytes(original[:-700])
    kinds = {k for k, _ in verify_file(warc, key).problems}
    assert kinds == {"truncated"}

    warc.write_bytes(original)
    assert verify_file(warc, key).ok
    sig = manifest_path(warc).with_name(manifest_path(warc).name + ".sig")
    other = signing.sign(Ed25519PrivateKey.generate(), manifest_path(warc).read_bytes())
    good_sig = sig.read_bytes()
    sig.write_bytes(other)
    assert {k for k, _ in verify_file(warc, key).problems} == {"bad-signature"}
    sig.write_bytes(good_sig)

    warc.unlink()
    lines.clear()
    assert run_verify(None, evidence_dir=tmp_path / "ev", echo=lines.append) == 1
    assert any(line.startswith("MISSING") for line in lines)


def test_verify_by_record_id(tmp_path, keys):
    _, evs = _fill(tmp_path / "ev")
    lines: list[str] = []
    assert run_verify(evs[2].record_id, evidence_dir=tmp_path / "ev", echo=lines.append) == 0
    assert lines[0].startswith("OK")


def test_interrupted_file_is_recovered_and_sealed_on_next_start(tmp_path, keys):
    directory = tmp_path / "ev"
    store = WarcStore(directory, "vitrine")
    for i in range(4):
        store.write(f"http://127.0.0.1:1/ad/v{i}", os.urandom(800))
    path = store._current.path  # simulate kill -9: never closed, last record half written
    store._current.fh.close()
    path.write_bytes(path.read_bytes()[:-200])
    WarcStore(directory, "vitrine")  # next crawl start seals what it finds
    report = verify_file(path, load_public_key())
    assert report.ok and report.records == 4  # warcinfo + 3 complete records; the cut one is gone


def test_timestamp_request_is_built_offline_and_unreachable_tsa_keeps_the_query(tmp_path, keys):
    query = signing.timestamp_request(b"manifest bytes")
    assert query[:1] == b"\x30" and hashlib.sha256(b"manifest bytes").digest() in query
    store, _ = _fill(tmp_path / "ev", tsa_url="http://127.0.0.1:9/tsa")
    sealed = store.sealed[0]
    mpath = manifest_path(sealed)
    assert mpath.with_name(mpath.name + ".tsq").exists()
    assert verify_file(sealed, load_public_key()).ok


def test_keygen_refuses_to_overwrite(keys):
    signing.generate_key()
    with pytest.raises(FileExistsError):
        signing.generate_key()


# --- tampering beyond a flipped byte (issue 15) --------------------------------------------------


def _kinds(path: Path) -> set[str]:
    return {kind for kind, _ in verify_file(path, load_public_key()).problems}


def test_removed_manifest_is_reported_missing_unless_a_crawl_is_writing(tmp_path, keys):
    _, evs = _fill(tmp_path / "ev")
    warc = tmp_path / "ev" / evs[0].warc_file
    manifest_path(warc).unlink()
    signature_path(warc).unlink()
    assert _kinds(warc) == {"missing"}
    lines: list[str] = []
    assert run_verify(None, evidence_dir=tmp_path / "ev", echo=lines.append) == 1
    assert lines[0].startswith("MISSING") and "seal was removed" in lines[0]
    index_path(warc).write_bytes(b"")  # the side file of a crawl still writing this WARC file
    assert _kinds(warc) == {"unsealed"}


def test_swapped_manifest_or_signature_is_caught(tmp_path, keys):
    _, evs = _fill(tmp_path / "ev", n=30, max_bytes=2000)
    one, other = sorted({tmp_path / "ev" / e.warc_file for e in evs})[:2]
    good_manifest, good_sig = manifest_path(one).read_bytes(), signature_path(one).read_bytes()
    signature_path(one).write_bytes(signature_path(other).read_bytes())  # another file's (valid) signature
    assert _kinds(one) == {"bad-signature"}
    manifest_path(one).write_bytes(manifest_path(other).read_bytes())  # and its manifest: signed, but not ours
    report = verify_file(one, load_public_key())
    assert "altered" in {k for k, _ in report.problems}
    assert any("does not describe this file" in detail for _, detail in report.problems)
    manifest_path(one).write_bytes(good_manifest)
    signature_path(one).write_bytes(good_sig)
    assert verify_file(one, load_public_key()).ok


def _rewrite_record(warc: Path, record_id: str, new_body: bytes) -> None:
    """Replace one record's payload and recompute its digests, as a careful forger would."""
    manifest = orjson.loads(manifest_path(warc).read_bytes())
    data = warc.read_bytes()
    parts = []
    for entry in manifest["records"]:
        member = data[entry["offset"] : entry["offset"] + entry["length"]]
        if entry["record_id"] == record_id:
            with warc.open("rb") as fh:
                original = next(
                    r for r in ArchiveIterator(fh) if r.rec_headers.get_header("WARC-Record-ID") == record_id
                )
                http_headers = original.http_headers
                uri = original.rec_headers.get_header("WARC-Target-URI")
                date = original.rec_headers.get_header("WARC-Date")
            out = io.BytesIO()
            writer = Sha256WARCWriter(out, gzip=True)
            forged = writer.create_warc_record(
                uri,
                "response",
                payload=io.BytesIO(new_body),
                length=len(new_body),
                http_headers=http_headers,
                warc_headers_dict={"WARC-Record-ID": record_id, "WARC-Date": date},
            )
            writer.write_record(forged)
            member = out.getvalue()
        parts.append(member)
    warc.write_bytes(b"".join(parts))


def test_record_rewritten_with_a_recomputed_digest_is_caught(tmp_path, keys):
    _, evs = _fill(tmp_path / "ev")
    warc = tmp_path / "ev" / evs[1].warc_file
    _rewrite_record(warc, evs[1].record_id, b"<article>a different page</article>")
    report = verify_file(warc, load_public_key())
    details = [detail for _, detail in report.problems]
    assert "altered" in {k for k, _ in report.problems}  # (a shorter forgery is reported truncated as well)
    assert not any("does not match its digest" in d for d in details)  # the record is self-consistent now
    assert any("differs from the signed manifest" in d and evs[1].record_id in d for d in details)


def test_ad_pointing_at_the_wrong_record_is_caught(tmp_path, keys):
    _, evs = _fill(tmp_path / "ev")
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    store = StateStore(state_dir / "prikbord.sqlite")
    right, wrong = evs[0], evs[3]
    ad = {"id": "prikbord:p00000", "url": "http://127.0.0.1:1/ad/p00000"}
    store.record_ad(ad["id"], "h1", "2026-11-20T10:00:00Z", {**ad, "evidence": right.as_dict()})
    store.commit()
    lines: list[str] = []
    assert run_verify(ad["id"], evidence_dir=tmp_path / "ev", state_dir=state_dir, echo=lines.append) == 0
    # the ad now names another ad's record, with that record's own (correct) digest
    store.record_ad(ad["id"], "h1", "2026-11-20T10:00:00Z", {**ad, "evidence": wrong.as_dict()})
    store.commit()
    lines.clear()
    assert run_verify(ad["id"], evidence_dir=tmp_path / "ev", state_dir=state_dir, echo=lines.append) == 1
    assert lines[0].startswith("ALTERED") and "not the ad's page" in lines[0]
    # or a record id that is in no file, or a file name that leaves the evidence directory
    store.record_ad(
        ad["id"], "h1", "2026-11-20T10:00:00Z", {**ad, "evidence": {**right.as_dict(), "record_id": "<urn:uuid:0>"}}
    )
    store.commit()
    lines.clear()
    assert run_verify(ad["id"], evidence_dir=tmp_path / "ev", state_dir=state_dir, echo=lines.append) == 1
    assert "is not in the file" in lines[0]
    store.record_ad(
        ad["id"],
        "h1",
        "2026-11-20T10:00:00Z",
        {**ad, "evidence": {**right.as_dict(), "warc_file": "../keys/x.warc.gz"}},
    )
    store.commit()
    lines.clear()
    assert run_verify(ad["id"], evidence_dir=tmp_path / "ev", state_dir=state_dir, echo=lines.append) == 2
    assert "not a WARC file name" in lines[0]
    store.close()
