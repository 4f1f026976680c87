"""Fetch an ad's images once, through Scrapy's downloader, and hash them.

SHA-256 proves which bytes were seen; the perceptual hash (imagehash.phash,
64 bits) lets the linking job find the same photo re-encoded or resized in
other ads. The bytes travel to the evidence pipeline in a transient field.

Decoding and hashing run in one worker thread (Pillow, NumPy and SciPy release
the GIL for most of it), so the reactor keeps downloading meanwhile. One thread,
not a pool: it keeps up with the downloads (~1.2 ms per photo), and every extra
thread that allocates image buffers can get its own malloc arena.

An image URL already fetched in this run (advertisers reuse photos across
their ads) is neither fetched nor hashed again: the ad gets the entry stored in
the crawl state when it was first fetched, including the ``warc_record_id`` of
the WARC record written then. Evidence rules still hold: every image that *is*
fetched is written to WARC, and every image on an ad points at a sealed, signed
record of exactly those bytes. The cache lives in the state store (SQLite), so
it does not grow in memory, survives a resumed run, and is emptied when a new
run starts, so every run re-fetches (and re-proves) each image once.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import imagehash
from PIL import Image
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from crawler.config import Limits
from crawler.middlewares import error_kind, origin_of
from crawler.state import StateStore
from crawler.storage import crawl_dir
from signaal.ids import utc_now

log = logging.getLogger(__name__)


def image_hashes(data: bytes) -> dict[str, Any]:
    """sha256, phash (hex), width and height of one image; raises on bytes that are not an image."""
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        return {
            "sha256": hashlib.sha256(data).hexdigest(),
            "phash": str(imagehash.phash(img)),
            "width": img.width,
            "height": img.height,
        }


class ImageFetchPipeline:
    """Download each image URL of the ad (deduplicated, capped), add hashes, keep the bytes for evidence."""

    def __init__(
        self,
        stats: StatsCollector,
        download: Callable[[Request], Awaitable[Response]],
        max_images: int,
        image_dir: Path,
        *,
        origins: frozenset[str] | None = None,
        limits: Limits | None = None,
        state: StateStore | None = None,
    ) -> None:
        self.stats = stats
        self.download = download
        self.origins = origins
        self.limits = limits
        self.state = state
        self.max_images = max_images
        self.image_dir = image_dir
        image_dir.mkdir(parents=True, exist_ok=True)
        self._hasher = ThreadPoolExecutor(1, thread_name_prefix="image-hash")

    def close_spider(self) -> None:
        self._hasher.shutdown(wait=True)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ImageFetchPipeline:
        image_dir = crawl_dir("SIGNAAL_IMAGE_DIR", crawler.settings)
        assert crawler.stats is not None
        spider = crawler.spider

        def download(request: Request) -> Awaitable[Response]:
            # The engine does not exist yet while pipelines are built: look it up when a photo is fetched.
            assert crawler.engine is not None
            return crawler.engine.download_async(request)

        return cls(
            crawler.stats,
            download,
            crawler.settings.getint("SIGNAAL_MAX_IMAGES_PER_AD"),
            Path(image_dir),
            origins=getattr(spider, "origins", None),
            limits=getattr(getattr(spider, "site", None), "limits", None),
            state=getattr(spider, "state", None),
        )

    def _hash_and_store(self, data: bytes) -> dict[str, Any]:
        """Worker thread: hashes, then the UI copy (both are pure functions of the bytes)."""
        hashes = image_hashes(data)
        self._store(hashes["sha256"], data)
        return hashes

    def _store(self, sha256: str, data: bytes) -> None:
        """Content-addressed copy for the triage UI (the WARC stays the evidence); written once per photo."""
        path = self.image_dir / sha256
        if not path.exists():
            tmp = path.with_suffix(".part")
            tmp.write_bytes(data)
            tmp.replace(path)

    async def _fetch(self, url: str) -> tuple[dict[str, Any], tuple[Any, ...] | None]:
        """One image: (entry with hashes or an error kind, raw response parts for the evidence pipeline)."""
        stats = self.stats
        entry: dict[str, Any] = {"url": url}
        if self.origins is not None and origin_of(url) not in self.origins:
            stats.inc_value("signaal/images/offsite")
            return {**entry, "error": "offsite"}, None
        state = self.state
        cached = state.image(url) if state is not None else None
        if cached is not None:
            stats.inc_value("signaal/images/cached")
            return cached, None
        meta = {"download_maxsize": self.limits.max_image_bytes if self.limits else 0}
        try:
            response = await self.download(Request(url, meta=meta, dont_filter=True))
        except Exception as exc:
            kind = error_kind(exc)
            stats.inc_value(f"signaal/images/errors/{kind}")
            return {**entry, "error": kind}, None
        if response.status != 200:
            stats.inc_value(f"signaal/images/errors/http_{response.status}")
            return {**entry, "error": f"http_{response.status}"}, None
        try:
            loop = asyncio.get_running_loop()
            entry.update(await loop.run_in_executor(self._hasher, self._hash_and_store, response.body))
        except Exception:
            stats.inc_value("signaal/images/errors/not_an_image")
            entry.update(sha256=hashlib.sha256(response.body).hexdigest(), error="not_an_image")
        stats.inc_value("signaal/images/fetched")
        headers = [(k.decode(), v.decode("latin-1")) for k, vs in response.headers.items() for v in vs]
        return entry, (response.url, response.status, headers, response.body, utc_now())

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        urls = list(dict.fromkeys(u for u in item.get("images") or [] if isinstance(u, str)))
        results = await asyncio.gather(*(self._fetch(url) for url in urls[: self.max_images]))
        item["images"] = [entry for entry, _ in results]
        item["_images"] = [(i, *raw) for i, (_, raw) in enumerate(results) if raw is not None]
        return item
