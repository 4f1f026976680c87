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

Sites that trap or break crawlers are stopped, not followed: a listing chain (one start page or one
search term and the pages its next links lead to) ends on a page with no entries, with no entry this
chain has not shown already, or whose next link leads to a page already seen; a run fetches at most
``limits.max_listing_pages`` listing pages. A complete detail page on which a selector matches nothing
is not retried (it would fail the same way), and ``limits.max_consecutive_parse_failures`` of them in a
row stop the crawl as "site layout changed" (``stop_reason`` names the selector; exit code 4); so does a
start page of the listing with no entries at all. The next crawl after a layout change (the YAML fixed)
fetches the pages that failed that way again. Each stop is a stat (``signaal/crawl/listing_stop/*``).

Requests carry only the meta they need: retries of a page whose content was not ready (cut off, script
failed) are new requests built like the first one, counted in ``signaal_retries``, never copies of
``response.meta`` (which holds Scrapy's internal ``download_latency``, ``retry_times`` ...).

``render: browser`` sites use scrapy-playwright per request: the YAML's wait
steps become ``PageMethod`` objects, and every callback and errback closes the
page it was given. ``render: json`` sites are read from their JSON API with
plain Scrapy requests and JSONPath selectors; the JSON response is the evidence.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote_plus

from parsel import Selector
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.utils.defer import _schedule_coro
from scrapy_playwright.page import PageMethod
from twisted.python.failure import Failure

from crawler.browser import PAGE_STEPS, close_page
from crawler.config import ConfigError, PageStep, SiteConfig, TermList, load_site, load_terms
from crawler.extract import ExtractionError, describe, detail_fields, field, listing_entries, next_page
from crawler.jsonpaths import load_document
from crawler.lease import SiteLease, lease_path, owner_identity
from crawler.middlewares import error_kind, origin_of
from crawler.site_settings import site_settings
from crawler.state import DETAIL, FINISHED, LAYOUT_CHANGED, LISTING, STOPPED, StateStore
from signaal.ids import ad_id, canonical_url, utc_now
from signaal.paths import crawl_dir

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


def _url_key(url: str) -> bytes:
    """8 bytes standing for a URL in the per-chain sets (a 50,000-ad crawl keeps them small)."""
    return hashlib.blake2b(url.encode(), digest_size=8).digest()


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
        self.chain_seen: dict[str, set[bytes]] = {}  # listing chain -> detail URLs its pages have shown
        self.listing_requests = 0
        self.parse_failures = 0  # consecutive complete detail pages a selector failed on
        self.stop_reason: str | None = None

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

    def _request(self, url: str, meta: dict[str, Any], kind: str, retries: int = 0) -> Request:
        """A fresh request with only the meta it needs; ``retries`` > 0 for a page fetched again because its
        content was not ready (those share the site's retry budget with HTTP-level retries)."""
        req_meta: dict[str, Any] = {
            "signaal_url": url,
            "signaal": meta,
            "download_maxsize": self.site.limits.max_page_bytes,
            "max_retry_times": max(0, self.site.limits.retries - retries),
        }
        if retries:
            req_meta["signaal_retries"] = retries
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
            for path in self.site.start_paths:
                url = canonical_url(self.site.base_url + path)
                seeds.append((url, {"chain": url, "start": True}))
        if self.term_lists:
            assert self.site.search is not None
            for terms in self.term_lists:
                for term in terms.terms:
                    url = canonical_url(self.site.base_url + self.site.search.url.replace("{term}", quote_plus(term)))
                    seeds.append((url, {"list": terms.name, "term": term, "chain": url}))
        return seeds

    async def start(self) -> AsyncIterator[Request]:
        options = {
            "listing": self.listing,
            "terms": [t.name for t in self.term_lists],
            "max_ads": self.max_ads,
        }
        self._log_policy()
        self.run_id, self.resumed = self.state.open_run(options)
        if self.resumed:
            if self.state.run_status(self.run_id)[0] == LAYOUT_CHANGED:
                again = self.state.requeue_failed("parse")
                log.info(
                    "the last crawl stopped on a layout change: %d pages that failed to parse are fetched again", again
                )
            log.info("resuming unfinished run %d of %s: %s", self.run_id, self.site.site, self.state.counts())
        else:
            self.state.add_pending(LISTING, self._seed())
            self.state.commit()  # the new run and its seeds become durable together
        self.listing_requests = sum(self.state.counts().get(LISTING, {}).values())
        for url, meta in list(self.state.pending(LISTING, limit=1_000_000)):
            self.inflight[url] = LISTING
            yield self._request(url, meta, LISTING)

    # -- discovery -------------------------------------------------------------------------------
    def _detail_room(self) -> int | None:
        if self.max_ads is None:
            return None
        known = sum(self.state.counts().get(DETAIL, {}).values())
        return max(0, self.max_ads - known)

    def _retry(self, response: Response, what: str, kind: str) -> Request | None:
        """A page whose content was not ready (cut off, script failed) is fetched again, like an HTTP error,
        as a new request built like the first (no meta copied from the response); None once out of retries."""
        tries = int(response.meta.get("signaal_retries", 0)) + int(response.meta.get("retry_times", 0)) + 1
        stats = self.crawler.stats
        if tries > self.site.limits.retries:
            stats.inc_value("retry/max_reached")
            return None
        stats.inc_value(f"signaal/crawl/render_retry/{what}")
        stats.inc_value("retry/count")
        stats.inc_value(f"retry/reason_count/render_{what}")
        return self._request(response.meta["signaal_url"], response.meta["signaal"], kind, retries=tries)

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
        return bool(spec and field(sel, spec, "browser.render_error"))

    def _stop_listing(self, chain: str, why: str, url: str) -> None:
        self.crawler.stats.inc_value(f"signaal/crawl/listing_stop/{why}")
        log.info("listing %s ends at %s: %s", chain, url, why.replace("_", " "))

    def _new_in_chain(self, chain: str, urls: list[str]) -> int:
        """How many of ``urls`` this listing chain has not shown before (and remember them)."""
        seen = self.chain_seen.setdefault(chain, set())
        before = len(seen)
        seen.update(_url_key(u) for u in urls)
        return len(seen) - before

    async def parse_listing(self, response: Response) -> AsyncIterator[Request]:
        await close_page(response.meta)
        key = response.meta["signaal_url"]
        meta = response.meta["signaal"]
        sel = self._document(response)
        broken = self._broken(response, sel)
        if broken:
            retry = self._retry(response, broken, LISTING)
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
        following = self._follow(key, meta, entries, found, nxt, room, response)
        self._settle(key, "done")  # after the next page is in flight: discovery is not over yet
        if not entries and meta.get("start"):
            spec = self.site.listing.entry
            self._layout_changed(f"listing.entry ({describe(spec)}) matched nothing on the start page {key}")
        if following is not None:
            yield following

    def _follow(
        self,
        key: str,
        meta: dict[str, Any],
        entries: list[tuple[str, str | None]],
        found: list[tuple[str, dict[str, Any]]],
        nxt: str | None,
        room: int | None,
        response: Response,
    ) -> Request | None:
        """The request for the next listing page, or None where the chain ends (each trap a stat)."""
        chain = meta.get("chain", key)
        new = self._new_in_chain(chain, [u for u, _ in found] or [link for link, _ in entries])
        if not nxt or (room is not None and room <= len(found)):
            return None  # the last page, or enough ads for --max-ads
        stop = None
        if not entries:
            stop = "empty_page"  # "next" past the last ad: a common trap
        elif not new:
            stop = "no_new_entries"  # the same ads again under a new page number
        elif self.listing_requests >= self.site.limits.max_listing_pages:
            stop = "max_listing_pages"
            log.warning(
                "%s: %d listing pages requested in this run (limits.max_listing_pages): not following %s",
                self.site.site,
                self.listing_requests,
                nxt,
            )
        if stop is not None:
            self._stop_listing(chain, stop, key)
            return None
        next_url = canonical_url(response.urljoin(nxt))
        next_meta = {k: v for k, v in meta.items() if k != "start"}
        if not self.state.add_pending(LISTING, [(next_url, next_meta)]):
            self._stop_listing(chain, "next_seen", key)  # a next link back to a page of this run: a loop
            return None
        self.listing_requests += 1
        self.inflight[next_url] = LISTING
        return self._request(next_url, next_meta, LISTING)

    # -- details ---------------------------------------------------------------------------------
    async def parse_detail(self, response: Response) -> AsyncIterator[Any]:
        rendered = bool(response.meta.get("playwright"))
        await close_page(response.meta)
        key = response.meta["signaal_url"]
        fetched_at = utc_now()
        sel = self._document(response)
        try:
            if sel is None:
                raise ExtractionError("response is not JSON", "parse", retryable=True)
            if self._cut_off(response):
                raise ExtractionError("page does not end with the complete marker", "truncated", retryable=True)
            if self._render_failed(sel):
                raise ExtractionError("page script reported an error", "render", retryable=True)
            fields = detail_fields(sel, self.site.detail)
        except ExtractionError as exc:
            retry = self._retry(response, exc.kind, DETAIL) if exc.retryable else None
            if retry is not None:
                yield retry
                return
            self._fail(key, exc.kind, str(exc))
            if not exc.retryable:
                self._parse_failed(exc)
            return
        self.parse_failures = 0
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

    def _parse_failed(self, exc: ExtractionError) -> None:
        """Count a complete page the config could not read; enough of them in a row mean the layout changed."""
        self.parse_failures += 1
        limit = self.site.limits.max_consecutive_parse_failures
        if self.parse_failures >= limit:
            self._layout_changed(f"{exc} on {self.parse_failures} consecutive detail pages")

    def _layout_changed(self, detail: str) -> None:
        """Stop the crawl: its selectors no longer fit the site. The run stays unfinished (resumable)."""
        if self.stop_reason is not None:
            return
        self.stop_reason = f"site layout changed: {detail}"
        log.error(
            "%s: %s; stopping (fix crawler/sites/%s.yaml, then re-run)",
            self.site.site,
            self.stop_reason,
            self.site.site,
        )
        self.crawler.stats.set_value("signaal/run/stop_reason", self.stop_reason)
        assert self.crawler.engine is not None
        _schedule_coro(self.crawler.engine.close_spider_async(reason=LAYOUT_CHANGED))

    def _log_policy(self) -> None:
        """One line on how this crawl treats the site, and the robots.txt override with its reason."""
        pol, robots = self.site.politeness, self.site.robots_txt
        log.info(
            "%s: %d requests at a time, delay %.1f s, AutoThrottle %s; robots.txt %s",
            self.site.site,
            pol.concurrency,
            pol.download_delay,
            f"target {pol.autothrottle_target_concurrency:g}" if pol.autothrottle else "off",
            "obeyed" if robots.obey else "IGNORED",
        )
        if not robots.obey:
            log.warning(
                "%s: robots.txt is not obeyed; reason given in the site config: %s", self.site.site, robots.reason
            )
            self.crawler.stats.set_value("signaal/robots_txt/ignored_reason", robots.reason)

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
        status = FINISHED if self.finished else LAYOUT_CHANGED if self.stop_reason else STOPPED
        self.state.set_run_status(self.run_id, status, self.stop_reason or (None if self.finished else reason))
        self.crawler.stats.set_value("signaal/run/status", status)
        self.crawler.stats.set_value("signaal/run/id", self.run_id)
        self.crawler.stats.set_value("signaal/run/resumed", self.resumed)
        self.crawler.stats.set_value("signaal/run/finished", self.finished)
        self.crawler.stats.set_value("signaal/run/pending", pending)
        self.crawler.stats.set_value("signaal/run/failed", sum(c.get("failed", 0) for c in counts.values()))
        self.state.close()
