"""Fetch an ad's images once, through Scrapy's downloader, and learn what their bytes say.

SHA-256 proves which bytes were seen; the perceptual hash (imagehash.phash,
64 bits) lets the linking job find the same photo re-encoded or resized in
other ads; the EXIF block (camera, capture time, GPS position, or its absence)
is evidence of its own (crawler.photos). The bytes travel to the evidence
pipeline in a transient field and are written to WARC exactly as served.

Decoding runs in one worker thread (Pillow, NumPy and SciPy release the GIL for
most of it), so the reactor keeps downloading meanwhile. One thread, not a pool:
a pool would not lower the CPU per ad, and every extra thread that allocates
image buffers can get its own malloc arena. The thread's CPU time is counted
(``signaal/images/cpu_s``) so the benchmark can show image work per ad on its own.

A photo that cannot be used (a decompression bomb, a cut-off or unreadable file)
is counted (``signaal/images/errors/<kind>``) and marked on the ad's image entry
with ``error``; the ad is kept, and the bytes still go to WARC.

Bytes analysed before, in this run or an earlier one, are not decoded again:
the analysis is a pure function of the bytes, so it is kept in the state store
by SHA-256 (and analysis version) and reused, typically on a recrawl
(``signaal/images/known``); the photo is still fetched and written to WARC.

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
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from crawler.config import Limits
from crawler.middlewares import error_kind, origin_of
from crawler.photos import ANALYSIS_VERSION, DEFAULT_MAX_PIXELS, PhotoError, analyze_photo
from crawler.state import StateStore
from signaal.ids import utc_now
from signaal.paths import crawl_dir

log = logging.getLogger(__name__)


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
        self.max_pixels = limits.max_image_pixels if limits else DEFAULT_MAX_PIXELS
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

    def _analyze_and_store(self, data: bytes, sha256: str) -> tuple[dict[str, Any], float]:
        """Worker thread: the image record (or a PhotoError's facts with ``error``), the UI copy written,
        and the CPU seconds it took."""
        started = time.thread_time()
        try:
            photo = analyze_photo(data, max_pixels=self.max_pixels, sha256=sha256)
        except PhotoError as exc:
            return {**exc.facts, "error": exc.kind, "error_detail": str(exc)[:200]}, time.thread_time() - started
        self._store(photo.record["sha256"], photo.ui_copy)
        return photo.record, time.thread_time() - started

    def _store(self, sha256: str, data: bytes) -> None:
        """Content-addressed copy for the triage UI, named by the original's SHA-256 (the WARC keeps the
        original); written once per photo."""
        path = self.image_dir / sha256
        if not path.exists():
            tmp = path.with_suffix(".part")
            tmp.write_bytes(data)
            tmp.replace(path)

    async def _fetch(self, url: str, referer: str) -> tuple[dict[str, Any], tuple[Any, ...] | None]:
        """One image of ad ``referer``: (entry with hashes or an error kind, raw response parts for the
        evidence pipeline)."""
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
        record, detail = await self._analysis(response.body)
        entry.update(record)
        if "error" in entry:
            stats.inc_value(f"signaal/images/errors/{entry['error']}")
            log.warning("photo %s of %s refused: %s (%s)", url, referer, entry["error"], detail)
        else:
            stats.inc_value(f"signaal/images/exif/{'present' if entry['exif']['present'] else 'stripped'}")
            stats.inc_value("signaal/images/exif/gps", int("gps" in entry["exif"]))
        stats.inc_value("signaal/images/fetched")
        headers = [(k.decode(), v.decode("latin-1")) for k, vs in response.headers.items() for v in vs]
        return entry, (response.url, response.status, headers, response.body, utc_now())

    async def _analysis(self, data: bytes) -> tuple[dict[str, Any], str | None]:
        """The image record of these bytes: remembered from an earlier fetch, else made in the worker thread."""
        sha256 = hashlib.sha256(data).hexdigest()
        key = f"{ANALYSIS_VERSION}:{sha256}"
        known = self.state.photo_record(key) if self.state is not None else None
        if known is not None and ("error" in known or (self.image_dir / sha256).exists()):
            self.stats.inc_value("signaal/images/known")
            return known, "these bytes were refused before" if "error" in known else None
        loop = asyncio.get_running_loop()
        record, cpu_s = await loop.run_in_executor(self._hasher, self._analyze_and_store, data, sha256)
        self.stats.inc_value("signaal/images/cpu_s", cpu_s)
        detail = record.pop("error_detail", None)
        if self.state is not None:
            self.state.remember_photo_record(key, record)
        return record, detail

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        urls = list(dict.fromkeys(u for u in item.get("images") or [] if isinstance(u, str)))
        results = await asyncio.gather(*(self._fetch(url, item.get("id", "?")) for url in urls[: self.max_images]))
        item["images"] = [entry for entry, _ in results]
        item["_images"] = [(i, *raw) for i, (_, raw) in enumerate(results) if raw is not None]
        return item
