"""The one generic ad spider: listing and search pages first, then detail pages, all from the state store.

With search terms (and on browser sites), discovery (listing and search-result
pages) runs before details so that every search term that finds an ad is known
when the ad is fetched; a listing-only crawl of a plain site fetches details
while it is still paging. Detail URLs are
handed to Scrapy in small batches straight from the SQLite state store, which
keeps memory flat on a 50,000-ad crawl and makes a run resumable after
``kill -9``: a URL is only marked done once its ad has passed every pipeline
(so it is on disk in the spool / output file), or marked failed with the kind
of error after Scrapy's retries gave up.

``render: browser`` sites use scrapy-playwright per request: the YAML's wait
steps become ``PageMethod`` objects, and every callback and errback closes the
page it was given. ``render: json`` sites are read from their JSON API with
plain Scrapy requests and JSONPath selectors; the JSON response is the evidence.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote_plus

from parsel import Selector
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy_playwright.page import PageMethod
from twisted.python.failure import Failure

from crawler.browser import PAGE_STEPS, close_page
from crawler.config import ConfigError, PageStep, SiteConfig, TermList, load_site, load_terms
from crawler.extract import ExtractionError, detail_fields, field, listing_entries, next_page
from crawler.jsonpaths import load_document
from crawler.lease import SiteLease, lease_path, owner_identity
from crawler.middlewares import error_kind, origin_of
from crawler.site_settings import site_settings
from crawler.state import DETAIL, LISTING, StateStore
from crawler.storage import crawl_dir
from signaal.ids import ad_id, canonical_url, utc_now

log = logging.getLogger(__name__)
FALSE_WORDS = ("0", "false", "no", "off")


def spider_arguments(
    site: SiteConfig | str,
    term_lists: list[TermList] | None,
    listing: bool | str,
    max_ads: int | str | None,
    extra: dict[str, Any],
) -> tuple[SiteConfig, list[TermList], bool, int | None]:
    """Typed spider arguments from either Python values (``signaal crawl``) or strings (``scrapy crawl -a``).

    String form: ``site`` is a site id, ``terms`` a comma-separated list of term-list names, ``base_url``
    the site's origin; both are taken out of ``extra`` (the remaining keyword arguments). A bad value
    raises :class:`crawler.config.ConfigError` naming the file or argument.
    """
    terms = extra.pop("terms", None)
    base_url = extra.pop("base_url", None)
    if isinstance(site, str):
        site = load_site(site, base_url=base_url or None)
    if term_lists is None:
        term_lists = [load_terms(name) for name in str(terms or "").split(",") if name.strip()]
    if isinstance(listing, str):
        listing = listing.strip().lower() not in FALSE_WORDS
    if isinstance(max_ads, str):
        if not max_ads.strip().isdigit():
            raise ConfigError(f"max_ads must be a whole number, got {max_ads!r}")
        max_ads = int(max_ads) or None
    return site, term_lists, listing, max_ads


class AdSpider(Spider):
    """Crawl one configured site; arguments: site (SiteConfig), term_lists, listing, max_ads.

    A Scrapyd node starts it as ``scrapy crawl ads -a site=<id> -a terms=<list,list> -a base_url=<origin>
    -a listing=0|1 -a max_ads=N``: plain strings, read by :func:`spider_arguments`.
    """

    name = "ads"

    def __init__(
        self,
        site: SiteConfig | str,
        term_lists: list[TermList] | None = None,
        listing: bool | str = True,
        max_ads: int | str | None = None,
        lease: SiteLease | None = None,
        **kwargs: Any,
    ) -> None:
        site, term_lists, listing, max_ads = spider_arguments(site, term_lists, listing, max_ads, kwargs)
        super().__init__(name=site.site, **kwargs)
        self.site = site
        self.term_lists = term_lists
        self.listing = listing
        self.max_ads = max_ads
        self.given_lease = lease
        self.last_error: str | None = None
        self.origins = site.origins
        self.inflight: dict[str, str] = {}  # url -> kind
        self.run_id = 0
        self.resumed = False
        self.finished = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> AdSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Settings are frozen only after the spider is built: the site's own settings apply to this crawl
        # whoever started it (signaal crawl or a Scrapyd node); command-line settings still win.
        crawler.settings.update(site_settings(spider.site), priority="spider")
        state_dir = crawl_dir("SIGNAAL_STATE_DIR", crawler.settings)
        site_id = spider.site.site
        # One writer per site (crawler.lease): taken before the state store is opened, held to the end.
        spider.lease = spider.given_lease or SiteLease(
            lease_path(state_dir, site_id),
            site_id,
            owner_identity(crawler.settings.get("SIGNAAL_NODE_ID"), getattr(spider, "_job", None)),
        )
        spider.lease.acquire()
        spider.state = StateStore(
            state_dir / f"{site_id}.sqlite",
            commit_every=crawler.settings.getint("SIGNAAL_STATE_COMMIT_EVERY"),
            commit_s=crawler.settings.getfloat("SIGNAAL_STATE_COMMIT_S"),
            exclusive=crawler.settings.getbool("SIGNAAL_STATE_EXCLUSIVE"),
        )
        spider.detail_batch = crawler.settings.getint("SIGNAAL_DETAIL_BATCH")
        crawler.signals.connect(spider._on_idle, signals.spider_idle)
        crawler.signals.connect(spider._on_item_scraped, signals.item_scraped)
        crawler.signals.connect(spider._on_item_dropped, signals.item_dropped)
        crawler.signals.connect(spider._on_item_error, signals.item_error)
        crawler.signals.connect(spider._on_closed, signals.spider_closed)
        return spider

    # -- requests -------------------------------------------------------------------------------
    def _page_methods(self, steps: list[PageStep]) -> list[Any]:

        return [PageMethod(PAGE_STEPS.get(step.method, step.method), *step.args, **step.kwargs) for step in steps]

    def _request(self, url: str, meta: dict[str, Any], kind: str) -> Request:
        req_meta: dict[str, Any] = {
            "signaal_url": url,
            "signaal": meta,
            "download_maxsize": self.site.limits.max_page_bytes,
            "max_retry_times": self.site.limits.retries,
        }
        if self.site.render == "browser":
            assert self.site.browser is not None
            steps = self.site.browser.listing_wait if kind == LISTING else self.site.browser.detail_wait
            req_meta.update(
                playwright=True,
                playwright_include_page=True,
                playwright_page_methods=self._page_methods(steps),
                playwright_page_goto_kwargs={"wait_until": "domcontentloaded"},
            )
        headers = {"Accept": "application/json"} if self.site.render == "json" else None
        callback = self.parse_listing if kind == LISTING else self.parse_detail
        # Listing pages go ahead of details: the next one is fetched as soon as its predecessor arrived.
        priority = 10 if kind == LISTING else 0
        return Request(
            url,
            callback=callback,
            errback=self.on_error,
            meta=req_meta,
            headers=headers,
            dont_filter=True,
            priority=priority,
        )

    def _seed(self) -> list[tuple[str, dict[str, Any]]]:
        seeds: list[tuple[str, dict[str, Any]]] = []
        if self.listing:
            seeds += [(canonical_url(self.site.base_url + p), {}) for p in self.site.start_paths]
        if self.term_lists:
            assert self.site.search is not None
            for terms in self.term_lists:
                for term in terms.terms:
                    path = self.site.search.url.replace("{term}", quote_plus(term))
                    seeds.append((canonical_url(self.site.base_url + path), {"list": terms.name, "term": term}))
        return seeds

    async def start(self) -> AsyncIterator[Request]:
        options = {
            "listing": self.listing,
            "terms": [t.name for t in self.term_lists],
            "max_ads": self.max_ads,
        }
        self.run_id, self.resumed = self.state.open_run(options)
        if self.resumed:
            log.info("resuming unfinished run %d of %s: %s", self.run_id, self.site.site, self.state.counts())
        else:
            self.state.add_pending(LISTING, self._seed())
            self.state.commit()  # the new run and its seeds become durable together
        for url, meta in list(self.state.pending(LISTING, limit=1_000_000)):
            self.inflight[url] = LISTING
            yield self._request(url, meta, LISTING)

    # -- discovery -------------------------------------------------------------------------------
    def _detail_room(self) -> int | None:
        if self.max_ads is None:
            return None
        known = sum(self.state.counts().get(DETAIL, {}).values())
        return max(0, self.max_ads - known)

    def _retry_render(self, response: Response, what: str) -> Request | None:
        """A page whose script failed (or whose ad is cut off) is retried like an HTTP error."""

        self.crawler.stats.inc_value(f"signaal/crawl/render_retry/{what}")
        return get_retry_request(response.request, spider=self, reason=f"render_{what}")

    def _document(self, response: Response) -> Any:
        """What the selectors run on: a parsel Selector, or the parsed JSON (None if it is not JSON)."""
        if self.site.render != "json":
            return Selector(text=response.text)
        try:
            return load_document(response.body)
        except ValueError:
            return None

    def _cut_off(self, response: Response) -> bool:
        marker = self.site.complete_marker
        if not marker or response.meta.get("playwright"):
            return False  # a browser serialises the whole DOM, closed or not
        return marker.lower().encode() not in response.body[-2048:].lower()

    def _broken(self, response: Response, sel: Any) -> str | None:
        """Why a listing page cannot be read yet (it is retried), or None."""
        if self._cut_off(response):
            return "truncated"
        if sel is None:
            return "parse"
        return "render" if self._render_failed(sel) else None

    def _render_failed(self, sel: Any) -> bool:
        spec = self.site.browser.render_error if self.site.browser else None
        return bool(spec and field(sel, spec, "render_error"))

    async def parse_listing(self, response: Response) -> AsyncIterator[Request]:
        await close_page(response.meta)
        key = response.meta["signaal_url"]
        meta = response.meta["signaal"]
        sel = self._document(response)
        broken = self._broken(response, sel)
        if broken:
            retry = self._retry_render(response, broken)
            if retry is not None:
                yield retry
            else:
                self._fail(key, broken, "listing page still broken after retries")
            return
        try:
            entries = listing_entries(sel, self.site.listing)
            nxt = next_page(sel, self.site.listing)
        except ExtractionError as exc:
            self._fail(key, exc.kind, str(exc))
            return
        found = []
        for link, site_ad_id in entries:
            url = canonical_url(response.urljoin(link))
            if origin_of(url) not in self.origins:
                self.crawler.stats.inc_value("signaal/crawl/offsite")
                continue
            found.append((url, {"site_ad_id": site_ad_id}))
        room = self._detail_room()
        if room is not None:
            known = {u for u, _ in found if self.state.status(u) is not None}
            new = [f for f in found if f[0] not in known][:room]
            found = [f for f in found if f[0] in known] + new
        if "term" in meta:
            for url, _ in found:
                self.state.add_found_by(url, meta["list"], meta["term"])
        self.state.add_pending(DETAIL, found)
        self.crawler.stats.inc_value("signaal/crawl/listing_pages")
        if nxt and (room is None or room > len(found)):
            next_url = canonical_url(response.urljoin(nxt))
            if self.state.add_pending(LISTING, [(next_url, meta)]):
                self.inflight[next_url] = LISTING
                yield self._request(next_url, meta, LISTING)
        self._settle(key, "done")

    # -- details ---------------------------------------------------------------------------------
    async def parse_detail(self, response: Response) -> AsyncIterator[Any]:
        rendered = bool(response.meta.get("playwright"))
        await close_page(response.meta)
        key = response.meta["signaal_url"]
        fetched_at = utc_now()
        sel = self._document(response)
        try:
            if sel is None:
                raise ExtractionError("response is not JSON", "parse")
            if self._cut_off(response):
                raise ExtractionError("page does not end with the complete marker", "truncated")
            if self._render_failed(sel):
                raise ExtractionError("page script reported an error", "render")
            fields = detail_fields(sel, self.site.detail)
        except ExtractionError as exc:
            # A cut-off page or a failed script is often transient: retry before giving up.
            retry = self._retry_render(response, exc.kind)
            if retry is not None:
                yield retry
            else:
                self._fail(key, exc.kind, str(exc))
            return
        hint = response.meta["signaal"].get("site_ad_id")
        site_ad_id = fields.pop("site_ad_id") or hint
        images = [response.urljoin(u) for u in fields.pop("images")]
        yield {
            "id": ad_id(self.site.site, site_ad_id, key),
            "site": self.site.site,
            "url": key,
            **fields,
            "images": images,
            "search_terms": self.state.found_by(key),
            "crawl": {"site_ad_id": site_ad_id, "fetched_at": fetched_at},
            "_fetch": {
                "url": response.url,
                "status": response.status,
                "headers": [(k.decode(), v.decode("latin-1")) for k, vs in response.headers.items() for v in vs],
                "body": response.body,
                "rendered": rendered,
                "fetched_at": fetched_at,
            },
        }

    def _schedule_details(self) -> int:
        if self.finished:
            return 0
        batch = list(self.state.pending(DETAIL, limit=self.detail_batch, exclude=set(self.inflight)))
        for url, meta in batch:
            self.inflight[url] = DETAIL
            self.crawler.engine.crawl(self._request(url, meta, DETAIL))
        return len(batch)

    def _on_idle(self) -> None:
        # Anything still "in flight" when Scrapy is idle was dropped without a callback.
        for url in list(self.inflight):
            if self.state.status(url) == "pending":
                self.crawler.stats.inc_value("signaal/crawl/errors/dropped")
                log.warning("failed %s: dropped (request ended without response or error)", url)
                self.state.mark(url, "failed", "dropped")
        self.inflight.clear()
        self.state.commit()
        if self._schedule_details():
            raise DontCloseSpider

    # -- outcomes --------------------------------------------------------------------------------
    def _settle(self, url: str, status: str, error: str | None = None) -> None:
        self.state.mark(url, status, error)
        kind = self.inflight.pop(url, None)
        # Search terms must all be known before an ad is fetched, so with term lists details wait for
        # discovery to end; a listing-only crawl fetches details while it is still paging. Not with a
        # browser: a browser killed while listing and detail pages were both open left requests that
        # never ended (seen in test_browser_killed_mid_crawl), and paging is not its bottleneck.
        serial = bool(self.term_lists) or self.site.render == "browser"
        discovering = serial and LISTING in self.inflight.values()
        if kind is not None and not discovering and len(self.inflight) < self.detail_batch // 2:
            self._schedule_details()

    def _fail(self, url: str, kind: str, detail: str) -> None:
        self.crawler.stats.inc_value(f"signaal/crawl/errors/{kind}")
        self.last_error = f"{kind}: {url}"
        log.warning("failed %s: %s (%s)", url, kind, detail[:200])
        self._settle(url, "failed", kind)

    async def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        await close_page(request.meta)
        self._fail(request.meta["signaal_url"], error_kind(failure.value), repr(failure.value))

    def _on_item_scraped(self, item: dict[str, Any]) -> None:
        self.crawler.stats.inc_value("signaal/crawl/ads")
        self._settle(item["url"], "done")

    def _on_item_dropped(self, item: dict[str, Any], exception: BaseException) -> None:
        self._fail(item["url"], "dropped", str(exception))

    def _on_item_error(self, item: dict[str, Any], failure: Failure) -> None:
        self._fail(item["url"], "pipeline", repr(failure.value))

    def _on_closed(self, reason: str) -> None:
        counts = self.state.counts()
        pending = sum(c.get("pending", 0) for c in counts.values())
        if reason == "finished" and pending == 0:
            self.state.finish_run(self.run_id)
            self.finished = True
        self.crawler.stats.set_value("signaal/run/id", self.run_id)
        self.crawler.stats.set_value("signaal/run/resumed", self.resumed)
        self.crawler.stats.set_value("signaal/run/finished", self.finished)
        self.crawler.stats.set_value("signaal/run/pending", pending)
        self.crawler.stats.set_value("signaal/run/failed", sum(c.get("failed", 0) for c in counts.values()))
        self.state.close()
