"""The two fixture sites on 127.0.0.1: ``start_sites(...) -> RunningSites``.

Standard library HTTP only (``ThreadingHTTPServer``, HTTP/1.1 keep-alive), so the sites start in
milliseconds inside tests and need nothing installed. Each site serves half of the corpus (by the ads'
``site`` field), logs every request in memory, and can inject faults on chosen paths (see faults.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from math import ceil
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

import orjson

from devtools.fixture_sites.corpus import SITES, Corpus
from devtools.fixture_sites.faults import Fault, FaultSet, load_faults
from devtools.fixture_sites.generator import generate
from devtools.fixture_sites.images import photo_ext, prerender, profile, render_photo
from devtools.fixture_sites.pages import (
    PAGE_SIZE,
    VITRINE_SHELL,
    not_found_page,
    prikbord_detail,
    prikbord_listing,
)
from signaal.text import fold

APP_JS = (Path(__file__).with_name("static") / "app.js").read_bytes()
ROBOTS = "User-agent: *\n{rules}Allow: /\n"
HTML = "text/html; charset=utf-8"
JSON = "application/json"


class RequestRecord(NamedTuple):
    """One logged request: which site, method, raw path (with query) and the status sent."""

    site: str
    method: str
    path: str
    status: int


class Listed(NamedTuple):
    """One listing page as served: its entries, its number, the real page count and where "next" points."""

    items: list[Any]
    page: int
    pages: int
    next_page: int | None


class Response(NamedTuple):
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class SiteView:
    """What one site shows of a corpus, indexed for fast page building."""

    site: str
    newest_first: list[dict[str, Any]]
    by_id: dict[str, dict[str, Any]]
    photo_ids: dict[str, list[str]]
    folded: list[str]
    photos: dict[str, Any]

    @classmethod
    def build(cls, corpus: Corpus, site: str) -> SiteView:
        ads = list(reversed(corpus.site_ads(site)))
        photo_ids = {ad["site_ad_id"]: corpus.truth_for(ad["id"])["photos"] for ad in ads}
        used = {pid for pids in photo_ids.values() for pid in pids}
        return cls(
            site=site,
            newest_first=ads,
            by_id={ad["site_ad_id"]: ad for ad in ads},
            photo_ids=photo_ids,
            folded=[fold(ad["title"] + "\n" + ad["body"]) for ad in ads],
            photos={pid: corpus.photos[pid] for pid in used},
        )


def _page_number(query: dict[str, list[str]]) -> int | None:
    raw = query.get("page", ["1"])[0]
    return int(raw) if raw.isdigit() and int(raw) >= 1 else None


def _paginate(items: list[Any], page: int) -> tuple[list[Any], int]:
    pages = ceil(len(items) / PAGE_SIZE)
    return items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], pages


def _html(status: int, text: str) -> Response:
    return Response(status, HTML, text.encode("utf-8"))


def _json(status: int, data: Any) -> Response:
    return Response(status, JSON, orjson.dumps(data))


class Site:
    """Routing and rendering of one site; the running-sites object supplies the current view."""

    def __init__(self, name: str, owner: RunningSites) -> None:
        self.name = name
        self.owner = owner
        self.routes: dict[str, Callable[[SiteView, str, dict[str, list[str]]], Response]] = (
            {"/": self.listing, "/ads": self.listing, "/search": self.search}
            if name == "prikbord"
            else {"/": self.shell, "/api/ads": self.api_listing, "/static/app.js": self.app_js}
        )
        self.prefixes = (
            {"/ad/": self.detail, "/img/": self.photo}
            if name == "prikbord"
            else {"/ad/": self.shell_detail, "/api/ads/": self.api_detail, "/media/": self.photo}
        )

    def route(self, path: str, query: dict[str, list[str]]) -> Response:
        view = self.owner.view(self.name)
        if path == "/robots.txt":
            return self.robots()
        if path in self.routes:
            return self.routes[path](view, path, query)
        for prefix, handler in self.prefixes.items():
            if path.startswith(prefix):
                return handler(view, path[len(prefix) :], query)
        return self.not_found(path)

    def not_found(self, what: str) -> Response:
        if self.name == "vitrine":
            return _json(404, {"error": "not found", "path": what})
        return _html(404, not_found_page(what))

    def robots(self) -> Response:
        """Allow everything, unless a ``robots_disallow`` fault on /robots.txt names paths to keep out."""
        fault = self.owner.faults.lookup(self.name, "/robots.txt")
        paths = fault.paths if fault is not None and fault.kind == "robots_disallow" else ()
        rules = "".join(f"Disallow: {p}\n" for p in paths)
        return Response(200, "text/plain; charset=utf-8", ROBOTS.format(rules=rules).encode())

    def _trap(self, path: str) -> str | None:
        """The ``pagination_trap`` mode configured for a listing path (empty | repeat | loop), if any."""
        fault = self.owner.faults.lookup(self.name, path)
        return fault.mode if fault is not None and fault.kind == "pagination_trap" else None

    def _listing_page(self, items: list[Any], path: str, query: dict[str, list[str]]) -> Listed | None:
        """The entries of the requested page and the page its next link points to (None: no next link);
        None when the page does not exist. A pagination trap serves pages past the last one."""
        page = _page_number(query)
        if page is None:
            return None
        shown, pages = _paginate(items, page)
        last = max(pages, 1)
        trap = self._trap(path)
        if trap is None:
            return Listed(shown, page, pages, page + 1 if page < pages else None) if page <= last else None
        if trap == "loop":  # the last page links back to the first
            return Listed(shown, page, pages, page + 1 if page < pages else 1) if page <= last else None
        if page > last and trap == "repeat":  # past the end: the last page's ads again
            shown = _paginate(items, last)[0]
        return Listed(shown, page, pages, page + 1)  # empty (or repeated) pages, each with a next link

    # prikbord ---------------------------------------------------------------------------------------
    def listing(self, view: SiteView, path: str, query: dict[str, list[str]]) -> Response:
        listed = self._listing_page(view.newest_first, path, query)
        if listed is None:
            return self.not_found(f"{path}?page={query.get('page', [''])[0]}")
        return _html(200, prikbord_listing(listed.items, listed.page, listed.pages, next_page=listed.next_page))

    def search(self, view: SiteView, path: str, query: dict[str, list[str]]) -> Response:
        term = query.get("q", [""])[0].strip()
        needle = fold(term)
        hits = [ad for ad, text in zip(view.newest_first, view.folded, strict=True) if needle in text]
        listed = self._listing_page(hits, path, query)
        if listed is None:
            return self.not_found(f"search page {query.get('page', [''])[0]}")
        return _html(
            200, prikbord_listing(listed.items, listed.page, listed.pages, query=term, next_page=listed.next_page)
        )

    def detail(self, view: SiteView, sid: str, query: dict[str, list[str]]) -> Response:
        ad = view.by_id.get(sid)
        if ad is None:
            return self.not_found(f"/ad/{sid}")
        files = [f"{pid}.{photo_ext(view.photos[pid])}" for pid in view.photo_ids[sid]]
        return _html(200, prikbord_detail(ad, files))

    def photo(self, view: SiteView, name: str, query: dict[str, list[str]]) -> Response:
        photo_id, _, ext = name.partition(".")
        spec = view.photos.get(photo_id)
        if spec is None or ext != photo_ext(spec):
            return self.not_found(name)
        headers = (("Cache-Control", "max-age=86400"),)
        return Response(200, profile(spec).content_type, render_photo(spec), headers)

    # vitrine ----------------------------------------------------------------------------------------
    def shell(self, view: SiteView, path: str, query: dict[str, list[str]]) -> Response:
        return _html(200, VITRINE_SHELL)

    def shell_detail(self, view: SiteView, sid: str, query: dict[str, list[str]]) -> Response:
        return _html(200, VITRINE_SHELL) if sid in view.by_id else _html(404, VITRINE_SHELL)

    def app_js(self, view: SiteView, path: str, query: dict[str, list[str]]) -> Response:
        return Response(200, "text/javascript; charset=utf-8", APP_JS)

    def api_listing(self, view: SiteView, path: str, query: dict[str, list[str]]) -> Response:
        listed = self._listing_page(view.newest_first, path, query)
        if listed is None:
            return _json(404, {"error": "no such page", "pages": _paginate(view.newest_first, 1)[1]})
        return _json(
            200,
            {
                "items": [{"id": ad["site_ad_id"], "title": ad["title"], "city": ad["city"]} for ad in listed.items],
                "page": listed.page,
                # an API counts pages; a trapped one always claims there is one more
                "pages": listed.page + 1 if listed.next_page == listed.page + 1 else listed.pages,
            },
        )

    def api_detail(self, view: SiteView, sid: str, query: dict[str, list[str]]) -> Response:
        ad = view.by_id.get(sid)
        if ad is None:
            return _json(404, {"error": "no such ad", "id": sid})
        return _json(
            200,
            {
                "id": sid,
                "title": ad["title"],
                "text": ad["body"],
                "city": ad["city"],
                "posted_at": ad["posted_at"],
                "photos": [f"/media/{pid}.{photo_ext(view.photos[pid])}" for pid in view.photo_ids[sid]],
            },
        )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes; Nagle would add ~40 ms per request
    server: _SiteServer

    def do_GET(self) -> None:
        self.server.owner._handle(self.server.site, self)

    def log_message(self, format: str, *args: Any) -> None:  # the in-memory log replaces stderr noise
        pass


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], owner: RunningSites, site: Site) -> None:
        self.owner = owner
        self.site = site
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up mid-response (oversized, truncated) are expected here


class RunningSites:
    """Both fixture sites, running in background threads until ``stop()`` (or the ``with`` block ends)."""

    def __init__(
        self,
        seed: int = 7,
        n_ads: int = 600,
        epoch: int = 1,
        faults: str | Path | dict | FaultSet | None = None,
        prikbord_port: int = 0,
        vitrine_port: int = 0,
        host: str = "127.0.0.1",
    ) -> None:
        self.seed = seed
        self.n_ads = n_ads
        self.photos_rendered = 0
        self.faults = load_faults(faults)
        self._log: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._in_flight = dict.fromkeys(SITES, 0)
        self._peak_in_flight = dict.fromkeys(SITES, 0)
        self._sites = {name: Site(name, self) for name in SITES}
        ports = {"prikbord": prikbord_port, "vitrine": vitrine_port}
        self._servers: dict[str, _SiteServer] = {}
        try:
            for name in SITES:
                self._servers[name] = _SiteServer((host, ports[name]), self, self._sites[name])
        except OSError:
            self._close_servers()
            raise
        self.urls = {name: f"http://{host}:{srv.server_address[1]}" for name, srv in self._servers.items()}
        self.prikbord_url = self.urls["prikbord"]
        self.vitrine_url = self.urls["vitrine"]
        self._views: dict[str, SiteView] = {}
        self.corpus: Corpus
        self.set_epoch(epoch)
        self._threads = [
            threading.Thread(
                target=srv.serve_forever, name=f"demo-site-{name}", daemon=True, kwargs={"poll_interval": 0.1}
            )
            for name, srv in self._servers.items()
        ]
        for thread in self._threads:
            thread.start()

    # public API ---------------------------------------------------------------------------------------
    def set_epoch(self, epoch: int) -> None:
        """Serve the corpus of ``epoch`` from now on (ids stable; edited ads change text; new ads appear).

        Its photos are rendered into the disk cache first (the ones not there yet), so every photo request
        is answered from a file, as a real site serves static files (images.prerender).
        """
        corpus = generate(self.seed, self.n_ads, epoch, base_urls=self.urls)
        self.photos_rendered += prerender(corpus.photos.values())
        views = {name: SiteView.build(corpus, name) for name in SITES}
        with self._lock:
            self.corpus = corpus
            self._views = views

    def set_faults(self, faults: str | Path | dict | FaultSet | None) -> None:
        """Replace the fault set (``None``: a healthy site again), e.g. a layout change that is rolled back."""
        self.faults = load_faults(faults)

    @property
    def epoch(self) -> int:
        return self.corpus.epoch

    @property
    def request_log(self) -> list[RequestRecord]:
        """A copy of every request served so far: ``(site, method, path, status)``."""
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        """Forget the requests logged so far (and the peak of requests in flight)."""
        with self._lock:
            self._log.clear()
            self._peak_in_flight = dict.fromkeys(SITES, 0)

    def peak_in_flight(self, site: str) -> int:
        """The most requests ``site`` was answering at the same moment: what a crawler's politeness looks
        like from the server's side."""
        with self._lock:
            return self._peak_in_flight[site]

    def view(self, site: str) -> SiteView:
        return self._views[site]

    def stop(self) -> None:
        """Stop both servers and release their ports."""
        for srv in self._servers.values():
            srv.shutdown()
        self._close_servers()
        for thread in getattr(self, "_threads", []):
            thread.join(timeout=5)

    def __enter__(self) -> RunningSites:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # request handling ------------------------------------------------------------------------------
    def _close_servers(self) -> None:
        for srv in self._servers.values():
            srv.server_close()

    def _record(self, site: str, req: BaseHTTPRequestHandler, status: int) -> None:
        with self._lock:
            self._log.append(RequestRecord(site, req.command, req.path, status))

    def _handle(self, site: Site, req: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self._in_flight[site.name] += 1
            self._peak_in_flight[site.name] = max(self._peak_in_flight[site.name], self._in_flight[site.name])
        try:
            self._answer(site, req)
        finally:
            with self._lock:
                self._in_flight[site.name] -= 1

    def _answer(self, site: Site, req: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(req.path)
        fault = self.faults.lookup(site.name, parts.path)
        try:
            if fault is not None and self._fault_before(site, req, fault, parts.path, parts.query):
                return
            response = site.route(parts.path, parse_qs(parts.query))
            if fault is not None and response.status == 200:
                self._fault_after(site, req, fault, response)
                return
            self._send(site, req, response)
        except (ConnectionError, TimeoutError):
            req.close_connection = True

    def _send(self, site: Site, req: BaseHTTPRequestHandler, response: Response, length: int | None = None) -> None:
        req.send_response(response.status)
        req.send_header("Content-Type", response.content_type)
        req.send_header("Content-Length", str(len(response.body) if length is None else length))
        for name, value in response.headers:
            req.send_header(name, value)
        req.end_headers()
        self._record(site.name, req, response.status)
        req.wfile.write(response.body)

    def _fault_before(self, site: Site, req: BaseHTTPRequestHandler, fault: Fault, path: str, query: str) -> bool:
        """Faults that replace the response; True when the request has been answered."""
        if fault.kind == "http_500" and self.faults.should_fail(site.name, path, fault):
            self._send(site, req, _html(500, "<!doctype html><title>500</title><h1>Internal Server Error</h1>"))
            return True
        if fault.kind == "redirect_loop":
            target = path if "loop=1" in query else f"{path}?loop=1"
            self._send(site, req, Response(302, HTML, b"", (("Location", target),)))
            return True
        if fault.kind == "slow":
            time.sleep(fault.delay)
        return False

    def _fault_after(self, site: Site, req: BaseHTTPRequestHandler, fault: Fault, response: Response) -> None:
        """Faults that damage a good response: truncated, malformed, oversized."""
        body = response.body
        if fault.kind == "truncated":
            cut = body.find(b"<", len(body) // 2)
            cut = len(body) // 2 if cut < 0 else cut + 3
            if fault.declare_full_length:
                self._send(site, req, response._replace(body=body[:cut]), length=len(body))
                req.close_connection = True
            else:
                self._send(site, req, response._replace(body=body[:cut]))
        elif fault.kind == "malformed":
            self._send(site, req, response._replace(body=_malformed(body, response.content_type)))
        elif fault.kind == "changed_layout":
            self._send(site, req, response._replace(body=_changed_layout(body, response.content_type)))
        elif fault.kind == "oversized":
            self._send_oversized(site, req, response, int(fault.size_mb * 1024 * 1024))
        elif fault.kind == "active_content" and response.content_type == HTML:
            remote = next(url for name, url in self.urls.items() if name != site.name)
            self._send(site, req, response._replace(body=_active_content(response.body, remote)))
        else:
            self._send(site, req, response)

    def _send_oversized(self, site: Site, req: BaseHTTPRequestHandler, response: Response, size: int) -> None:
        body = response.body
        at = body.find(b"<body>")
        head, tail = (body[: at + 6], body[at + 6 :]) if at >= 0 else (b"", body)
        opener, closer = (b"<!-- ", b" -->\n") if response.content_type == HTML else (b"", b"")
        if not opener:  # JSON: pad with leading whitespace, which JSON allows
            head, tail = b"", body
        filler = max(0, size - len(head) - len(tail) - len(opener) - len(closer))
        req.send_response(200)
        req.send_header("Content-Type", response.content_type)
        req.send_header("Content-Length", str(len(head) + len(opener) + filler + len(closer) + len(tail)))
        req.end_headers()
        self._record(site.name, req, 200)
        req.wfile.write(head + opener)
        chunk = (b"x" if opener else b" ") * (1 << 20)
        while filler > 0:
            req.wfile.write(chunk[: min(filler, len(chunk))])
            filler -= len(chunk)
        req.wfile.write(closer + tail)


ACTIVE_CONTENT = """<section class="extras">
<script>document.title = "script ran"; new Image().src = "{remote}/beacon/inline-script"; alert("inline");</script>
<script src="{remote}/beacon/external.js"></script>
<img class="banner" src="{remote}/beacon/remote.png" alt="remote banner">
<img class="pixel" src="{remote}/beacon/pixel.gif" width="1" height="1" onerror="alert('onerror')">
<iframe class="widget" src="{remote}/beacon/frame.html"></iframe>
<form class="contact" action="{remote}/beacon/form" method="post"><input name="message" value="hallo">
<button type="submit">Stuur</button></form>
<meta http-equiv="refresh" content="300; url={remote}/beacon/refresh">
<link rel="stylesheet" href="{remote}/beacon/style.css">
<div class="bg" style="background-image:url('{remote}/beacon/background.png')">Banner</div>
<a class="js" href="javascript:alert('link')">Open</a>
<svg width="10" height="10" onload="alert('svg')"><image href="{remote}/beacon/svg.png"/></svg>
<object data="{remote}/beacon/object.bin"></object>
</section>
"""


def _active_content(body: bytes, remote: str) -> bytes:
    """The page plus active and remote content (scripts, form, refresh, frame, remote images), before the footer.

    Everything points at ``/beacon/...`` on the other fixture site, whose request log then shows any fetch.
    The refresh waits 300 s: Scrapy's MetaRefreshMiddleware follows shorter ones (up to 100 s), and the page
    is meant to be archived, not skipped."""
    extras = ACTIVE_CONTENT.format(remote=remote).encode("utf-8")
    at = body.rfind(b"<footer")
    at = at if at >= 0 else len(body)
    return body[:at] + extras + body[at:]


def _malformed(body: bytes, content_type: str) -> bytes:
    """Broken markup that still holds the ad: unclosed and mismatched tags, stray '<' and '&'."""
    if content_type == JSON:
        return body + b'\n{"broken": '
    text = body.decode("utf-8")
    for tag in ("</article>", "</li>", "</ul>", "</nav>", "</header>"):
        text = text.replace(tag, "")
    text = text.replace("</h1>", "</h3>", 1).replace('<div class="photos">', '<div class="photos"><div><span>', 1)
    text = text.replace("<main>", '<main><table><tr><td>< & "stray <p <b>unclosed <i>nesting</b></i>', 1)
    return text.encode("utf-8")


def _changed_layout(body: bytes, content_type: str) -> bytes:
    """The page after a site redesign: the ad is all there, under new names (title class / JSON key)."""
    if content_type == JSON:
        return body.replace(b'"title":', b'"headline":', 1)
    return body.replace(b'class="ad-title"', b'class="listing-heading"')


def start_sites(
    seed: int = 7,
    n_ads: int = 600,
    epoch: int = 1,
    faults: str | Path | dict | FaultSet | None = None,
    prikbord_port: int = 0,
    vitrine_port: int = 0,
) -> RunningSites:
    """Start both fixture sites on 127.0.0.1 (port 0 = a free port); use as a context manager or call stop().

    ``faults``: a YAML/JSON file, a mapping (see faults.py), a FaultSet, or ``"default"`` for the
    ``--fault-mode`` set.
    """
    return RunningSites(seed, n_ads, epoch, faults, prikbord_port, vitrine_port)
