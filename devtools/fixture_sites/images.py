"""Deterministic synthetic photos: coloured geometric shapes, 320x240 PNG, drawn on demand.

A photo is identified by (base, variant): variant 0 is the original; variants 1..3 are the same picture
slightly altered (shifted, resized, re-encoded with fewer colours) so a perceptual hash is near but not
equal, like a photo re-uploaded by the same advertiser. Photos are drawn when first requested, never at
generation time, which keeps generating 100,000 ads fast.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import lru_cache
from random import Random

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 320, 240
VARIANTS = (0, 1, 2, 3)


@dataclass(frozen=True, slots=True)
class PhotoSpec:
    """Which picture a photo id shows: the corpus seed, the base picture and the alteration."""

    seed: int
    base: int
    variant: int = 0

    @property
    def photo_id(self) -> str:
        """Opaque id (a hash), so linking has to compare pixels, not ids."""
        return hashlib.sha256(f"{self.seed}:{self.base}:{self.variant}".encode()).hexdigest()[:16]


def _draw_base(seed: int, base: int) -> Image.Image:
    rng = Random(f"photo:{seed}:{base}")
    image = Image.new("RGB", (WIDTH, HEIGHT), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(4, 8)):
        colour = tuple(rng.randrange(256) for _ in range(3))
        x0, y0 = rng.randrange(WIDTH - 40), rng.randrange(HEIGHT - 40)
        x1, y1 = x0 + rng.randint(30, 160), y0 + rng.randint(30, 120)
        shape = rng.randrange(3)
        if shape == 0:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        elif shape == 1:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            draw.polygon([(x0, y1), ((x0 + x1) // 2, y0), (x1, y1)], fill=colour)
    return image


#: Rendered photos kept in memory (~2.4 KiB each, so at most ~150 MiB): drawing one costs ~3 ms of CPU,
#: far more than serving it, and a real site serves its photos as static files.
PHOTO_CACHE_SIZE = 65_536


@lru_cache(maxsize=PHOTO_CACHE_SIZE)
def render_photo(spec: PhotoSpec) -> bytes:
    """PNG bytes of the photo (cached: the servers hand out the same photos many times)."""
    image = _draw_base(spec.seed, spec.base)
    rng = Random(f"variant:{spec.seed}:{spec.base}:{spec.variant}")
    if spec.variant == 1:  # small shift, edges filled with the border colour
        dx, dy = rng.randint(3, 6), rng.randint(2, 5)
        shifted = Image.new("RGB", image.size, image.getpixel((0, 0)))
        shifted.paste(image, (dx, dy))
        image = shifted
    elif spec.variant == 2:  # resized, as a re-upload would be
        image = image.resize((288, 216), Image.Resampling.BILINEAR)
    elif spec.variant == 3:  # re-encoded with a reduced palette and a little brightness change
        image = image.quantize(colors=48).convert("RGB").point(lambda v: min(255, v + 6))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
