"""Photo analysis on the realistic fixture mix: CPU per photo by format, reduced vs full-size decoding.

    .venv/bin/python bench/bench_photos.py [--seed 7 --ads 600 --photos 0]

For every photo of the corpus (formats, sizes and EXIF as data/photos.yaml draws them; --photos N takes
the first N): the crawler's analysis (crawler.photos.analyze_photo: reduced decode, upright pHash, EXIF,
400 px UI copy) and, as the same-run baseline, the image pipeline before it (full-size decode + pHash, no
EXIF, no UI copy). Per format: photos, CPU ms per photo (mean, p50, p95, p99; this thread's CPU clock),
KB on the wire. Then how far the reduced decode moves the pHash against a full-size decode of the same
upright picture, peak memory and the load average (the machine is shared: figures are indicative).
Photos are rendered into the disk cache first (not timed).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import imagehash
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.photos import PhotoError, analyze_photo  # noqa: E402
from devtools.fixture_sites import generate  # noqa: E402
from devtools.fixture_sites.images import prerender, profile, render_photo  # noqa: E402


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0.0


def full_decode_phash(data: bytes) -> str:
    """The image pipeline before reduced decoding: decode everything, hash the stored pixels."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return str(imagehash.phash(image))


def timed(fn, data: bytes) -> tuple[float, object]:
    started = time.thread_time()
    try:
        result = fn(data)
    except (PhotoError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        result = exc
    return (time.thread_time() - started) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--ads", type=int, default=600, help="corpus size; its photos are the mix")
    parser.add_argument("--photos", type=int, default=0, help="only the first N photos (0 = all)")
    args = parser.parse_args()

    load_before = os.getloadavg()
    specs = list(generate(seed=args.seed, n_ads=args.ads).photos.values())
    specs = specs[: args.photos] if args.photos else specs
    prerender(specs)
    new: dict[str, list[float]] = defaultdict(list)
    old: dict[str, list[float]] = defaultdict(list)
    sizes: dict[str, list[int]] = defaultdict(list)
    moves: Counter[int] = Counter()
    refused: Counter[str] = Counter()
    for spec in specs:
        prof = profile(spec)
        group = prof.fmt + (f" ({prof.fault})" if prof.fault else "")
        data = render_photo(spec)
        sizes[group].append(len(data))
        ms, photo = timed(lambda d: analyze_photo(d), data)
        new[group].append(ms)
        if isinstance(photo, PhotoError):
            refused[photo.kind] += 1
            continue
        if prof.fault is None:  # huge: the baseline would spend seconds; it is timed below like the rest
            upright = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
            moves[int(imagehash.phash(upright) - imagehash.hex_to_hash(photo.record["phash"]))] += 1  # type: ignore[union-attr]
        old[group].append(timed(full_decode_phash, data)[0])

    rows = []
    for group in sorted(new):
        n, o = new[group], old.get(group, [])
        rows.append(
            (
                group,
                str(len(n)),
                f"{statistics.mean(sizes[group]) / 1024:.0f}",
                f"{statistics.mean(n):.1f} / {pct(n, 0.5):.1f} / {pct(n, 0.95):.1f} / {pct(n, 0.99):.1f}",
                f"{statistics.mean(o):.1f} / {pct(o, 0.5):.1f} / {pct(o, 0.95):.1f}" if o else "-",
                f"{statistics.mean(o) / statistics.mean(n):.2f}x" if o else "-",
            )
        )
    all_new = [ms for values in new.values() for ms in values]
    all_old = [ms for values in old.values() for ms in values]
    rows.append(
        (
            "all photos",
            str(len(all_new)),
            f"{statistics.mean(s for v in sizes.values() for s in v) / 1024:.0f}",
            f"{statistics.mean(all_new):.1f} / {pct(all_new, 0.5):.1f} / {pct(all_new, 0.95):.1f} / "
            f"{pct(all_new, 0.99):.1f} = {1000 / statistics.mean(all_new):.0f} photos per CPU-s",
            f"{statistics.mean(all_old):.1f} / {pct(all_old, 0.5):.1f} / {pct(all_old, 0.95):.1f}",
            f"{statistics.mean(all_old) / statistics.mean(all_new):.2f}x",
        )
    )
    header = ("format", "photos", "KB", "analysis ms: mean / p50 / p95 / p99", "full decode + pHash ms", "speed-up")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(
        f"\nphoto analysis, seed {args.seed}, {len(specs)} photos ({os.cpu_count()} cores, load average before "
        f"{'/'.join(f'{x:.1f}' for x in load_before)}, after {'/'.join(f'{x:.1f}' for x in os.getloadavg())})\n"
    )
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    share = moves[0] / max(1, sum(moves.values()))
    print(
        f"\npHash of the reduced decode vs a full-size decode (upright), bits moved: {dict(sorted(moves.items()))} "
        f"({share:.1%} unchanged); refused: {dict(refused)}; "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
