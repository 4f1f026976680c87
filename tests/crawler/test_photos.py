"""Photos as evidence: reduced decoding, pHash stability, EXIF metadata, hostile files, and a real crawl of them."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import imagehash
import pytest
from PIL import Image, ImageDraw, ImageOps
from PIL.TiffImagePlugin import IFDRational
from warcio.archiveiterator import ArchiveIterator

from crawler.photos import PHASH_VERSION, UI_SIDE, PhotoError, analyze_photo
from crawler.state import StateStore
from devtools.fixture_sites import generate, start_sites
from devtools.fixture_sites.images import prerender, profile, render_photo
from linking.keys import distance_m


def _picture() -> Image.Image:
    """Coloured shapes, landscape, asymmetric (so a rotation changes its hash)."""
    image = Image.new("RGB", (640, 480), (40, 90, 160))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 60, 300, 260), fill=(230, 200, 40))
    draw.ellipse((360, 200, 600, 440), fill=(200, 40, 60))
    draw.polygon([(80, 440), (200, 300), (320, 440)], fill=(30, 160, 80))
    return image


PICTURE = _picture()


def _jpeg(image: Image.Image, exif: Image.Exif | None = None) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def test_exif_fields_are_read_checked_and_cleaned():
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112], exif[0x0131] = "Lumora\x00\x00", "L5", 6, "Editor\x07 2"
    exif.get_ifd(0x8769).update({0x9003: "2025:01:02 13:14:15", 0x9011: "+01:00"})
    exif.get_ifd(0x8825).update(
        {
            1: "S",
            2: (IFDRational(33), IFDRational(51), IFDRational(3540, 100)),
            3: "E",
            4: (IFDRational(151), IFDRational(12), IFDRational(0)),
        }
    )
    record = analyze_photo(_jpeg(PICTURE, exif)).record
    assert record["exif"] == {
        "present": True,
        "make": "Lumora",
        "model": "L5",
        "camera": "Lumora L5",
        "orientation": 6,
        "software": "Editor  2",
        "taken_at": "2025-01-02T13:14:15+01:00",
        "gps": {"lat": -33.859833, "lon": 151.2},
    }
    assert (record["width"], record["height"], record["format"]) == (640, 480, "jpeg")
    assert record["phash_version"] == PHASH_VERSION and len(record["phash"]) == 16


def test_placeholder_values_and_a_stripped_photo_are_told_apart():
    exif = Image.Exif()
    exif[0x0112] = 1
    exif.get_ifd(0x8769)[0x9003] = "0000:00:00 00:00:00"
    exif.get_ifd(0x8825).update({1: "N", 2: (0.0, 0.0, 0.0), 3: "E", 4: (0.0, 0.0, 0.0)})
    assert analyze_photo(_jpeg(PICTURE, exif)).record["exif"] == {"present": True, "orientation": 1}
    assert analyze_photo(_jpeg(PICTURE)).record["exif"] == {"present": False}


def test_the_hash_is_of_the_upright_picture_and_the_ui_copy_is_small_and_bare():
    """A phone photo stored sideways with orientation 6 and its re-upload with the rotation baked in hash alike."""
    sideways = PICTURE.transpose(Image.Transpose.ROTATE_90)  # what the camera stored
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 5.0, 27.0), 3: "E", 4: (5.0, 7.0, 12.0)})
    tagged = analyze_photo(_jpeg(sideways, exif))
    baked = analyze_photo(_jpeg(ImageOps.exif_transpose(Image.open(io.BytesIO(_jpeg(sideways, exif))))))
    stored = analyze_photo(_jpeg(sideways))  # the same pixels without the tag: the picture lies on its side
    upright = imagehash.hex_to_hash(tagged.record["phash"])
    assert upright - imagehash.hex_to_hash(baked.record["phash"]) <= 2
    assert upright - imagehash.hex_to_hash(stored.record["phash"]) > 16
    copy = Image.open(io.BytesIO(tagged.ui_copy))
    assert copy.format == "JPEG" and copy.size == (UI_SIDE, 300) and not copy.getexif()


@pytest.mark.parametrize(
    ("data", "kind"),
    [(b"<html>not a photo</html>", "not_an_image"), (_jpeg(PICTURE)[:3000], "truncated_image")],
)
def test_unusable_bytes_are_refused_with_a_kind_and_their_hash(data, kind):
    with pytest.raises(PhotoError) as refused:
        analyze_photo(data)
    assert refused.value.kind == kind and len(refused.value.facts["sha256"]) == 64


def test_a_photo_above_the_pixel_limit_is_refused_before_it_is_decoded():
    with pytest.raises(PhotoError) as refused:
        analyze_photo(_jpeg(PICTURE), max_pixels=640 * 480 - 1)
    assert refused.value.kind == "decompression_bomb" and refused.value.facts["width"] == 640
    assert "307,200 pixels exceeds 307,199" in str(refused.value)


def test_reduced_decoding_moves_the_phash_by_two_bits_at_most_on_the_fixture_mix():
    """The pHash from the reduced, upright decode against a full-size decode of the same upright picture, over
    the fixture photo mix (docs/crawler.md, "Photos", records the measured share)."""
    corpus = generate(seed=7, n_ads=600)
    specs = [s for s in corpus.photos.values() if profile(s).fault is None][:240]
    prerender(specs)
    moves = Counter()
    for spec in specs:
        data = render_photo(spec)
        full = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
        moved = imagehash.phash(full) - imagehash.hex_to_hash(analyze_photo(data).record["phash"])
        moves[int(moved)] += 1
    print(f"\npHash move, reduced vs full decode, {len(specs)} photos: {dict(sorted(moves.items()))}")
    assert set(moves) <= {0, 2} and moves[0] / len(specs) >= 0.85


def _warc_payloads(evidence: Path) -> dict[str, bytes]:
    out = {}
    for path in evidence.glob("*.warc.gz"):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                out[record.rec_headers.get_header("WARC-Record-ID")] = record.content_stream().read()
    return out


@pytest.mark.slow
def test_a_crawl_keeps_photo_metadata_refuses_the_bomb_and_alters_nothing_in_warc(workspace):
    with start_sites(seed=11, n_ads=60) as sites:
        result = workspace.crawl("prikbord", sites.prikbord_url, "--no-score", "--no-search")
        first_rows = workspace.rows()
        again = workspace.crawl("prikbord", sites.prikbord_url, "--no-score", "--no-search")
        corpus = sites.corpus
    assert result.code == 0, result.stderr[-2000:]
    assert result.summary["image_errors"].get("decompression_bomb", 0) >= 1
    rows = {row["id"]: row for row in workspace.rows()}
    payloads = _warc_payloads(workspace.root / "evidence")
    seen = Counter()
    for ad in corpus.site_ads("prikbord"):
        row = rows[ad["id"]]  # every ad is kept, whatever its photos are
        for image, photo_id in zip(row["images"], corpus.truth_for(ad["id"])["photos"], strict=True):
            spec = corpus.photos[photo_id]
            prof = profile(spec)
            assert payloads[image["warc_record_id"]] == render_photo(spec)  # the bytes as served
            if prof.fault == "bomb":
                seen["bomb"] += 1
                assert image["error"] == "decompression_bomb" and "phash" not in image
                continue
            if prof.fault == "truncated":
                seen["truncated"] += 1
                assert image["error"] in ("truncated_image", "not_an_image")
                continue
            exif = image["exif"]
            assert exif["present"] == (prof.exif is not None)
            if prof.exif and prof.exif.make:
                seen["camera"] += 1
                assert exif["camera"] == f"{prof.exif.make} {prof.exif.model}"
            if prof.exif and prof.exif.gps:
                seen["gps"] += 1
                assert distance_m((exif["gps"]["lat"], exif["gps"]["lon"]), prof.exif.gps) < 0.5
            copy = Image.open(workspace.root / "images" / image["sha256"])
            assert copy.format == "JPEG" and max(copy.size) <= UI_SIDE and not copy.getexif()
    assert seen["bomb"] >= 1 and seen["camera"] >= 5 and seen["gps"] >= 3, seen
    assert "refused: decompression_bomb" in result.stderr

    # A recrawl fetches every photo again (new WARC records) but decodes none: same bytes, same analysis.
    assert again.code == 0 and again.summary["image_cpu_s"] == 0
    assert again.summary["images_known"] == again.summary["images_fetched"] == result.summary["images_fetched"]
    store = StateStore(workspace.root / "crawl-state" / "prikbord.sqlite")  # the latest fetch of each ad
    try:
        for row in first_rows:
            before, after = row["images"], store.ad(row["id"])["images"]
            assert [{**i, "warc_record_id": None} for i in before] == [{**i, "warc_record_id": None} for i in after]
            assert {i["warc_record_id"] for i in before}.isdisjoint(i["warc_record_id"] for i in after)
    finally:
        store.close()
