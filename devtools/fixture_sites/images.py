"""Deterministic synthetic photos as ad sites serve them: coloured shapes, in real formats, sizes and metadata.

A photo is identified by (seed, base, variant): variant 0 is the original; variants 1..3 are the same picture
altered as a re-upload would be (shifted, resized, or re-encoded by another site in another format with its
metadata stripped), so a perceptual hash is near but not equal. How each photo is encoded (JPEG baseline or
progressive, WebP, PNG; 600-2000 px; EXIF orientation, camera, capture time, GPS) and which photos are broken
or hostile (truncated, over 40 megapixels, one decompression bomb per corpus) is drawn from the photo's own
random stream with the rates in ``data/photos.yaml``, so generating a corpus never touches pixels and the
same seed always gives the same bytes.

Encoding a realistic photo costs 10-500 ms, far more than serving it, and a real site serves photos as
static files: rendered photos are kept on disk under ``var/fixture-photos/`` (keyed by seed and a digest of
the spec, its profile and the renderer) and ``prerender`` fills that cache in worker processes before the
sites answer their first request.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import struct
import zlib
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from multiprocessing import get_context
from pathlib import Path
from random import Random
from typing import Any

import numpy as np
import PIL
from PIL import Image, ImageChops, ImageDraw
from PIL.TiffImagePlugin import IFDRational

from devtools.fixture_sites.data import load
from signaal.paths import var_dir

#: The renderer's own source is part of every cache key: a change to the drawing or encoding never
#: serves files of the old renderer.
RENDERER_DIGEST = hashlib.blake2b(Path(__file__).read_bytes(), digest_size=8).hexdigest()
VARIANTS = (0, 1, 2, 3)
#: The drawing grid of the shapes (relative coordinates come from it, as in the first, 320x240 renderer).
GRID_W, GRID_H = 320, 240
METRES_PER_DEGREE = 111_320.0
EXT = {"jpeg": "jpg", "jpeg_progressive": "jpg", "webp": "webp", "png": "png"}
CONTENT_TYPES = {"jpg": "image/jpeg", "webp": "image/webp", "png": "image/png"}
# EXIF tags (TIFF/EXIF 2.32): base IFD, the Exif sub-IFD and the GPS sub-IFD.
TAG_MAKE, TAG_MODEL, TAG_ORIENTATION, TAG_DATETIME = 0x010F, 0x0110, 0x0112, 0x0132
IFD_EXIF, IFD_GPS = 0x8769, 0x8825
TAG_DATETIME_ORIGINAL, TAG_OFFSET_TIME_ORIGINAL = 0x9003, 0x9011


@dataclass(frozen=True, slots=True)
class PhotoSpec:
    """Which picture a photo id shows: the corpus seed, the base picture, the alteration, and whose camera
    took it (the advertiser id and their city: photos of one owner with GPS were taken near one spot)."""

    seed: int
    base: int
    variant: int = 0
    owner: str = ""
    place: str = ""

    @property
    def photo_id(self) -> str:
        """Opaque id (a hash), so linking has to compare pixels, not ids."""
        return hashlib.sha256(f"{self.seed}:{self.base}:{self.variant}".encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class CameraExif:
    """The EXIF block written into a photo; ``make`` is None when only the orientation survived."""

    orientation: int = 1
    make: str | None = None
    model: str | None = None
    taken_at: str | None = None  # EXIF DateTimeOriginal, "YYYY:MM:DD HH:MM:SS" (camera clock)
    utc_offset: str | None = None  # EXIF OffsetTimeOriginal
    gps: tuple[float, float] | None = None  # (latitude, longitude), decimal degrees


@dataclass(frozen=True, slots=True)
class PhotoProfile:
    """How one photo is encoded: format, pixel size (as stored), quality, EXIF, and a fault if any."""

    fmt: str  # jpeg | jpeg_progressive | webp | png
    width: int
    height: int
    quality: int
    exif: CameraExif | None
    fault: str | None = None  # truncated | huge | bomb

    @property
    def ext(self) -> str:
        return EXT[self.fmt]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.ext]


def _rules() -> dict[str, Any]:
    return load("photos")


def _pick(rng: Random, weights: dict[Any, float]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@cache
def _centres() -> dict[str, tuple[float, float]]:
    return {c["canonical"]: (c["centre"][0], c["centre"][1]) for c in load("places")["cities"]}


def _offset(lat: float, lon: float, rng: Random, radius_m: float) -> tuple[float, float]:
    """A point uniformly within ``radius_m`` of (lat, lon)."""
    distance = radius_m * math.sqrt(rng.random())
    angle = rng.random() * 2 * math.pi
    dlat = distance * math.cos(angle) / METRES_PER_DEGREE
    dlon = distance * math.sin(angle) / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


@lru_cache(maxsize=65_536)
def owner_home(seed: int, owner: str, place: str) -> tuple[float, float] | None:
    """Where an owner's camera records its photos (None: their camera writes no GPS)."""
    exif = _rules()["exif"]
    rng = Random(f"owner-gps:{seed}:{owner}")
    if not owner or place not in _centres() or rng.random() >= exif["p_owner_gps"]:
        return None
    return _offset(*_centres()[place], rng, exif["home_spread_m"])


def _camera_exif(spec: PhotoSpec, rng: Random, orientation: int) -> CameraExif:
    exif = _rules()["exif"]
    camera = rng.choice(_rules()["cameras"])
    if spec.owner:  # an owner takes their photos with one camera
        camera = Random(f"owner-camera:{spec.seed}:{spec.owner}").choice(_rules()["cameras"])
    first = date.fromisoformat(str(exif["taken_first_day"]))
    taken = datetime(first.year, first.month, first.day) + timedelta(seconds=rng.randrange(exif["taken_days"] * 86_400))
    home = owner_home(spec.seed, spec.owner, spec.place)
    gps = _offset(*home, Random(f"gps:{spec.seed}:{spec.base}"), exif["gps_jitter_m"]) if home else None
    return CameraExif(
        orientation=orientation,
        make=camera["make"],
        model=camera["model"],
        taken_at=taken.strftime("%Y:%m:%d %H:%M:%S"),
        utc_offset=exif["utc_offset"],
        gps=gps,
    )


def _format(spec: PhotoSpec) -> tuple[str, Random]:
    """The original's encoding, and the random stream the rest of its profile is drawn from."""
    rng = Random(f"profile:{spec.seed}:{spec.base}")
    return _pick(rng, _rules()["formats"]), rng


def photo_ext(spec: PhotoSpec) -> str:
    """The file extension of a photo's URL (cheaper than its whole profile: the generator needs only this)."""
    fault = _fault(spec.base) if spec.variant == 0 else None
    if fault in ("huge", "bomb"):
        return "jpg" if fault == "huge" else "png"
    fmt = _format(spec)[0]
    if spec.variant == 3:
        return "webp" if fmt.startswith("jpeg") else "jpg"
    return EXT[fmt]


def _original(spec: PhotoSpec) -> PhotoProfile:
    """The base picture's profile as its owner uploaded it (variant 0 without a fault)."""
    rules = _rules()
    fmt, rng = _format(spec)
    long_side = rng.randint(*rules["long_side"])
    aspect_w, aspect_h = rng.choice(rules["aspects"])
    scale = long_side / max(aspect_w, aspect_h)
    width, height = round(aspect_w * scale), round(aspect_h * scale)
    quality = rng.randint(*rules["quality"]["webp" if fmt == "webp" else "jpeg"])
    exif_rules = rules["exif"]
    level = rng.random()
    orientation = int(_pick(rng, exif_rules["orientations"]))
    exif: CameraExif | None = None
    if level >= exif_rules["p_stripped"] + exif_rules["p_orientation_only"]:
        exif = _camera_exif(spec, rng, orientation)
    elif level >= exif_rules["p_stripped"]:
        exif = CameraExif(orientation=orientation)
    return PhotoProfile(fmt, width, height, quality, exif)


def _fault(base: int) -> str | None:
    faults = _rules()["faults"]
    if base == faults["bomb_base"]:
        return "bomb"
    for kind in ("huge", "truncated"):
        if base % faults[kind]["every"] == faults[kind]["offset"]:
            return kind
    return None


@lru_cache(maxsize=65_536)
def profile(spec: PhotoSpec) -> PhotoProfile:
    """Format, size, EXIF and fault of one photo: a pure function of the spec and ``data/photos.yaml``."""
    original = _original(spec)
    fault = _fault(spec.base) if spec.variant == 0 else None
    if fault == "huge":
        width, height = _rules()["faults"]["huge"]["size"]
        camera = original.exif if original.exif and original.exif.make else None
        exif = camera or _camera_exif(spec, Random(f"huge:{spec.seed}:{spec.base}"), 1)
        return PhotoProfile("jpeg", width, height, 88, exif, fault)
    if fault == "bomb":
        side = _rules()["faults"]["bomb_side"]
        return PhotoProfile("png", side, side, 0, None, fault)
    if spec.variant == 2:  # resized by the site it was re-uploaded to
        return PhotoProfile(
            original.fmt, round(original.width * 0.8), round(original.height * 0.8), original.quality, original.exif
        )
    if spec.variant == 3:  # re-encoded elsewhere: rotation baked into the pixels, metadata gone
        turned = original.exif is not None and original.exif.orientation in (5, 6, 7, 8)
        width, height = (original.height, original.width) if turned else (original.width, original.height)
        fmt = "webp" if original.fmt.startswith("jpeg") else "jpeg"
        return PhotoProfile(fmt, width, height, 70, None)
    return PhotoProfile(original.fmt, original.width, original.height, original.quality, original.exif, fault)


# -- drawing ------------------------------------------------------------------------------------------
def _draw_base(seed: int, base: int, width: int, height: int) -> Image.Image:
    """Coloured shapes on a coloured ground; positions come from the 320x240 grid, scaled to the size."""
    rng = Random(f"photo:{seed}:{base}")
    image = Image.new("RGB", (width, height), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    sx, sy = width / GRID_W, height / GRID_H
    for _ in range(rng.randint(4, 8)):
        colour = tuple(rng.randrange(256) for _ in range(3))
        x0, y0 = rng.randrange(GRID_W - 40), rng.randrange(GRID_H - 40)
        x1, y1 = x0 + rng.randint(30, 160), y0 + rng.randint(30, 120)
        box = (x0 * sx, y0 * sy, x1 * sx, y1 * sy)
        shape = rng.randrange(3)
        if shape == 0:
            draw.rectangle(box, fill=colour)
        elif shape == 1:
            draw.ellipse(box, fill=colour)
        else:
            draw.polygon([(box[0], box[3]), ((box[0] + box[2]) / 2, box[1]), (box[2], box[3])], fill=colour)
    return image


@cache
def _grain_tile(amplitude: int) -> np.ndarray:
    """A fixed 256x256 tile of noise in [0, 2*amplitude] (its own seed: the same on every machine)."""
    return np.random.default_rng(20_260_101).integers(0, 2 * amplitude + 1, (256, 256, 3), dtype=np.uint8)


def _add_grain(image: Image.Image, amplitude: int) -> Image.Image:
    if amplitude <= 0:
        return image
    reps = (math.ceil(image.height / 256), math.ceil(image.width / 256), 1)
    noise = np.tile(_grain_tile(amplitude), reps)[: image.height, : image.width]
    return ImageChops.add(image, Image.fromarray(noise, "RGB"), scale=1.0, offset=-amplitude)


def _upright(image: Image.Image, orientation: int) -> Image.Image:
    """The picture as a viewer sees it (what EXIF orientation asks a viewer to do)."""
    method = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
              5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}.get(orientation)  # fmt: skip
    return image.transpose(method) if method is not None else image


def _pixels(spec: PhotoSpec, prof: PhotoProfile) -> Image.Image:
    """The stored pixels of a photo (before encoding)."""
    original = _original(spec) if spec.variant in (2, 3) else prof  # 2 and 3 start from the original's size
    image = _add_grain(_draw_base(spec.seed, spec.base, original.width, original.height), _rules()["grain"])
    rng = Random(f"variant:{spec.seed}:{spec.base}:{spec.variant}")
    if spec.variant == 1:  # a small shift, edges filled with the border colour
        dx, dy = round(prof.width * rng.uniform(0.004, 0.009)), round(prof.height * rng.uniform(0.004, 0.009))
        shifted = Image.new("RGB", image.size, image.getpixel((0, 0)))
        shifted.paste(image, (dx, dy))
        image = shifted
    elif spec.variant == 2:
        image = image.resize((prof.width, prof.height), Image.Resampling.BILINEAR)
    elif spec.variant == 3:
        orientation = original.exif.orientation if original.exif else 1
        image = _upright(image, orientation).point(lambda v: min(255, v + 6))
    return image


def _exif_block(exif: CameraExif) -> Image.Exif:
    block = Image.Exif()
    block[TAG_ORIENTATION] = exif.orientation
    if exif.make:
        block[TAG_MAKE], block[TAG_MODEL] = exif.make, exif.model or ""
        if exif.taken_at:
            block[TAG_DATETIME] = exif.taken_at
            sub = block.get_ifd(IFD_EXIF)
            sub[TAG_DATETIME_ORIGINAL] = exif.taken_at
            if exif.utc_offset:
                sub[TAG_OFFSET_TIME_ORIGINAL] = exif.utc_offset
        if exif.gps:
            gps = block.get_ifd(IFD_GPS)
            lat, lon = exif.gps
            gps[1], gps[2] = ("N" if lat >= 0 else "S"), _dms(lat)
            gps[3], gps[4] = ("E" if lon >= 0 else "W"), _dms(lon)
    return block


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    """Degrees, minutes and seconds (1/10000 s) as EXIF rationals."""
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60 * 10_000)
    return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(seconds, 10_000)


def _encode(image: Image.Image, prof: PhotoProfile) -> bytes:
    out = io.BytesIO()
    options: dict[str, Any] = {}
    if prof.exif is not None:
        options["exif"] = _exif_block(prof.exif)
    if prof.fmt.startswith("jpeg"):
        image.save(out, format="JPEG", quality=prof.quality, progressive=prof.fmt == "jpeg_progressive", **options)
    elif prof.fmt == "webp":
        image.save(out, format="WEBP", quality=prof.quality, method=4, **options)
    else:
        image.save(out, format="PNG", compress_level=_rules()["png_compress_level"], **options)
    return out.getvalue()


def _bomb(side: int) -> bytes:
    """A valid PNG of side x side black 1-bit pixels: ~100 KB on the wire, side^2 pixels once decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = bytes(1 + (side + 7) // 8)  # filter byte 0, then the packed row
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def draw_photo(spec: PhotoSpec) -> bytes:
    """Render one photo's bytes from scratch (no cache): what the site serves, faults included."""
    prof = profile(spec)
    if prof.fault == "bomb":
        return _bomb(prof.width)
    data = _encode(_pixels(spec, prof), prof)
    if prof.fault == "truncated":
        return data[: int(len(data) * _rules()["faults"]["truncated"]["keep"])]
    return data


# -- the on-disk cache ----------------------------------------------------------------------------------
def cache_root() -> Path:
    """Where rendered photos are kept (``var/fixture-photos``)."""
    return var_dir() / "fixture-photos"


@lru_cache(maxsize=65_536)
def photo_path(spec: PhotoSpec) -> Path:
    """The cache file of one photo: keyed by seed, and by a digest of spec, profile, rates, the renderer's
    code and Pillow's version (its encoders' output is part of the bytes)."""
    prof = profile(spec)
    rules = _rules()
    basis = f"{RENDERER_DIGEST}|{PIL.__version__}|{spec!r}|{prof!r}|{rules['grain']}|{rules['png_compress_level']}"
    key = hashlib.blake2b(basis.encode(), digest_size=6).hexdigest()
    return cache_root() / f"seed-{spec.seed}" / f"{spec.photo_id}-{key}.{prof.ext}"


def render_photo(spec: PhotoSpec) -> bytes:
    """The photo's bytes: read from the disk cache, rendered (and cached) on a miss."""
    path = photo_path(spec)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = draw_photo(spec)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    tmp.write_bytes(data)
    tmp.replace(path)  # atomic: a concurrent reader sees the whole file or none
    return data


def _render_to_cache(spec: PhotoSpec) -> None:
    render_photo(spec)


def prerender(specs: Iterable[PhotoSpec], workers: int | None = None) -> int:
    """Render every photo not in the cache yet, in worker processes; returns how many were rendered.

    Spawned workers (not forked): the caller may already run server threads. A caller whose main module
    cannot be re-imported by a spawned worker (a script without a ``__main__`` guard) gets the photos
    rendered in its own process instead.
    """
    missing = sorted({s for s in specs if not photo_path(s).exists()}, key=lambda s: (s.seed, s.base, s.variant))
    if not missing:
        return 0
    workers = max(1, min(workers or os.cpu_count() or 1, 4, len(missing) // 8 + 1))
    if workers > 1:
        try:
            with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
                list(pool.map(_render_to_cache, missing, chunksize=4))
        except (BrokenProcessPool, RuntimeError):
            pass  # rendered below, whatever the workers did not finish
    for spec in missing:
        render_photo(spec)
    return len(missing)
