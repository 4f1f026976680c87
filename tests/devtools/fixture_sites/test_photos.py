"""Fixture photos as ad sites serve them: the format/size/EXIF mix, hostile files, determinism, the disk cache."""

from __future__ import annotations

import io
import struct
from collections import Counter
from dataclasses import replace

import httpx
import imagehash
import pytest
from PIL import Image

from crawler.photos import PhotoError, analyze_photo, read_exif
from devtools.fixture_sites.data import load
from devtools.fixture_sites.images import (
    PhotoSpec,
    draw_photo,
    owner_home,
    photo_ext,
    photo_path,
    profile,
    render_photo,
)
from linking.keys import distance_m
from tests.helpers import DEADLINE_S

RULES = load("photos")


def test_the_mix_has_every_format_size_and_metadata_kind(corpus):
    """Seed 7, 600 ads: shares close to data/photos.yaml, exactly one bomb, a few huge and truncated files."""
    profiles = [profile(spec) for spec in corpus.photos.values()]
    formats = Counter(p.fmt for p in profiles)
    for fmt, share in RULES["formats"].items():
        assert abs(formats[fmt] / len(profiles) - share) < 0.06, (fmt, formats)
    faults = Counter(p.fault for p in profiles)
    assert faults["bomb"] == 1 and 2 <= faults["huge"] <= 8 and 5 <= faults["truncated"] <= 20
    normal = [p for p in profiles if p.fault is None]
    lo, hi = RULES["long_side"]
    assert all(lo * 0.8 - 1 <= max(p.width, p.height) <= hi for p in normal)  # variant 2 is resized to 80 %
    assert all(p.width * p.height > 40_000_000 for p in profiles if p.fault == "huge")
    exif = Counter(
        "stripped" if p.exif is None else "gps" if p.exif.gps else "camera" if p.exif.make else "orientation"
        for p in profiles
    )
    assert all(exif[kind] > 30 for kind in ("stripped", "orientation", "camera", "gps")), exif
    assert {p.exif.orientation for p in profiles if p.exif} == {1, 3, 6, 8}
    assert all(photo_ext(s) == profile(s).ext for s in corpus.photos.values())


def test_served_bytes_carry_the_profile_and_are_deterministic(sites):
    """Every encoding on the wire is what its profile says, and drawing it again gives the same bytes."""
    specs = {profile(s).fmt: s for s in sites.corpus.photos.values() if profile(s).fault is None and profile(s).exif}
    assert set(specs) == set(RULES["formats"])
    with httpx.Client(timeout=DEADLINE_S) as client:
        for fmt, spec in specs.items():
            prof = profile(spec)
            site = "prikbord" if spec in sites.view("prikbord").photos.values() else "vitrine"
            path = {"prikbord": "/img/", "vitrine": "/media/"}[site]
            res = client.get(f"{sites.urls[site]}{path}{spec.photo_id}.{prof.ext}")
            assert res.status_code == 200 and res.headers["content-type"] == prof.content_type
            assert int(res.headers["content-length"]) == len(res.content)
            image = Image.open(io.BytesIO(res.content))
            assert image.format.lower() == {"jpeg_progressive": "jpeg"}.get(fmt, fmt)
            assert image.size == (prof.width, prof.height)
            assert bool(image.info.get("progressive")) == (fmt == "jpeg_progressive")
            exif = read_exif(image)
            assert exif["orientation"] == prof.exif.orientation
            if prof.exif.make:
                assert (exif["make"], exif["model"]) == (prof.exif.make, prof.exif.model)
                assert exif["taken_at"].replace("-", ":", 2).replace("T", " ").startswith(prof.exif.taken_at)
            if prof.exif.gps:
                assert distance_m((exif["gps"]["lat"], exif["gps"]["lon"]), prof.exif.gps) < 0.5
            assert res.content == draw_photo(spec)  # same seed, same bytes (not only the cached copy)


def test_altered_copies_hash_near_their_original_and_unrelated_photos_far(corpus):
    """Variants 1-3 (shifted, resized, re-encoded elsewhere with rotation baked in and EXIF gone) stay within
    a few bits of the original under the crawler's upright pHash; different pictures do not."""
    specs = [s for s in corpus.photos.values() if s.variant and profile(s).fault is None]
    assert {s.variant for s in specs} == {1, 2, 3}

    def phash(spec: PhotoSpec) -> imagehash.ImageHash:
        return imagehash.hex_to_hash(analyze_photo(render_photo(spec)).record["phash"])

    for spec in [next(s for s in specs if s.variant == v) for v in (1, 2, 3)] + specs[:9]:
        original = replace(spec, variant=0)
        if profile(original).fault:
            continue
        assert phash(spec) - phash(original) <= 8, spec
        if spec.variant == 3:
            assert profile(spec).exif is None and profile(spec).ext != profile(original).ext
    originals = [s for s in corpus.photos.values() if not s.variant and profile(s).fault is None][:12]
    hashes = [phash(s) for s in originals]
    far = [a - b for i, a in enumerate(hashes) for b in hashes[i + 1 :]]
    assert sum(d > 12 for d in far) / len(far) > 0.9


def test_one_owner_s_photos_share_a_camera_and_a_gps_home(corpus):
    by_owner: dict[str, list[PhotoSpec]] = {}
    for spec in corpus.photos.values():
        by_owner.setdefault(spec.owner, []).append(spec)
    with_gps = [o for o, specs in by_owner.items() if len(specs) > 2 and owner_home(corpus.seed, o, specs[0].place)]
    assert with_gps
    for owner in with_gps:
        cameras = {(p.exif.make, p.exif.model) for p in map(profile, by_owner[owner]) if p.exif and p.exif.make}
        assert len(cameras) <= 1
        points = [p.exif.gps for p in map(profile, by_owner[owner]) if p.exif and p.exif.gps]
        assert all(distance_m(a, b) <= 2 * RULES["exif"]["gps_jitter_m"] + 1 for a in points for b in points)
    homes = [owner_home(corpus.seed, o, by_owner[o][0].place) for o in with_gps]
    apart = [distance_m(a, b) for i, a in enumerate(homes) for b in homes[i + 1 :]]
    assert sum(d > 100 for d in apart) / len(apart) > 0.99


def test_the_decompression_bomb_is_small_on_the_wire_and_refused(corpus):
    spec = next(s for s in corpus.photos.values() if profile(s).fault == "bomb")
    data = render_photo(spec)
    side = RULES["faults"]["bomb_side"]
    assert len(data) < 300_000 and data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (side, side)  # IHDR: what a decoder would allocate
    with pytest.raises(PhotoError) as refused:
        analyze_photo(data)
    assert refused.value.kind == "decompression_bomb" and refused.value.facts["pixels"] == side * side


def test_truncated_files_are_cut_and_huge_ones_decode_reduced(corpus):
    truncated = next(s for s in corpus.photos.values() if profile(s).fault == "truncated" and profile(s).ext == "jpg")
    data = render_photo(truncated)
    assert data[:2] == b"\xff\xd8" and not data.endswith(b"\xff\xd9")  # a JPEG start without its end marker
    with pytest.raises(PhotoError) as broken:
        analyze_photo(data)
    assert broken.value.kind in ("truncated_image", "not_an_image") and broken.value.facts["sha256"]
    huge = next(s for s in corpus.photos.values() if profile(s).fault == "huge")
    photo = analyze_photo(render_photo(huge))
    assert photo.record["width"] * photo.record["height"] > 40_000_000 and photo.record["exif"]["camera"]
    assert max(Image.open(io.BytesIO(photo.ui_copy)).size) == 400


def test_the_cache_key_follows_the_spec():
    a = PhotoSpec(7, 10, 0, "adv00001", "Utrecht")
    assert photo_path(a) != photo_path(replace(a, variant=1)) != photo_path(replace(a, seed=8))
    assert photo_path(a).parent.name == "seed-7" and photo_path(a).name.startswith(a.photo_id)
