"""Site configurations and search-term lists: YAML files validated by Pydantic.

Adding a site of a shape the generic spiders already handle takes one YAML file
and no Python. Validation happens before any request is made, so a typo in a
selector or a contradictory combination (``render: browser`` without wait steps,
a CSS selector on a JSON API site) is reported as one line naming the file and
the field.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from lxml import etree
from parsel.csstranslator import HTMLTranslator
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from crawler.jsonpaths import compile_jsonpath
from crawler.photos import DEFAULT_MAX_PIXELS

SITES_DIR = Path(__file__).resolve().parent / "sites"
TERMS_DIR = Path(__file__).resolve().parent / "terms"
SITE_ID_RE = re.compile(r"^[a-z][a-z0-9_-]*$")


class ConfigError(ValueError):
    """A site or term-list file is missing or invalid; the message is one line for the user."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    """How to read one value: a CSS or XPath selector (HTML) or a JSONPath (JSON API sites).

    ``block_text`` takes the visible text of an element with ``<br>`` and block
    boundaries as newlines, which is how ad bodies are published. ``template``
    turns each selected value into a string, e.g. an API's ad id into its URL
    (``/api/ads/{}``): ``{}`` stands for the value.
    """

    css: str | None = None
    xpath: str | None = None
    jsonpath: str | None = None
    many: bool = False
    block_text: bool = False
    required: bool = False
    template: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"css": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _exactly_one(self) -> FieldSpec:
        given = [k for k in ("css", "xpath", "jsonpath") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of css, xpath, jsonpath")
        if self.css:
            _check_css(self.css)
        if self.xpath:
            _check_xpath(self.xpath)
        if self.jsonpath:
            _check_jsonpath(self.jsonpath)
            if self.block_text:
                raise ValueError("block_text reads HTML elements; a jsonpath value is already plain text")
        if self.template is not None and self.template.count("{}") != 1:
            raise ValueError(f"template {self.template!r} must contain {{}} exactly once (the selected value)")
        return self

    @property
    def kind(self) -> str:
        """Which selector language this field uses: css, xpath or jsonpath."""
        return "css" if self.css else "xpath" if self.xpath else "jsonpath"


def _check_css(query: str) -> None:

    try:
        HTMLTranslator().css_to_xpath(query)
    except Exception as exc:
        raise ValueError(f"invalid CSS selector {query!r}: {exc}") from None


def _check_xpath(query: str) -> None:

    try:
        etree.XPath(query)
    except etree.XPathSyntaxError as exc:
        raise ValueError(f"invalid XPath {query!r}: {exc}") from None


def _check_jsonpath(query: str) -> None:
    try:
        compile_jsonpath(query)
    except Exception as exc:
        raise ValueError(f"invalid JSONPath {query!r}: {exc}") from None


class ListingSpec(_Strict):
    """Listing and search-result pages: one entry per ad plus a link to the next page."""

    entry: FieldSpec = Field(description="Selects each ad entry on a listing page.")
    link: FieldSpec = Field(description="Relative to the entry: the detail-page URL.")
    ad_id: FieldSpec | None = Field(default=None, description="Relative to the entry: the site's ad id.")
    next_page: FieldSpec | None = Field(default=None, description="The next listing page URL.")
    last_page: FieldSpec | None = Field(
        default=None,
        description="JSON APIs that count pages: the last page number. next_page then selects the next page "
        "number (e.g. '$.page + 1' with a URL template) and is followed only while it is <= last_page.",
    )

    @model_validator(mode="after")
    def _numbered_pages(self) -> ListingSpec:
        if self.last_page is not None and (self.next_page is None or self.next_page.template is None):
            raise ValueError("last_page needs a next_page with a template that builds the page URL from its number")
        return self


class DetailSpec(_Strict):
    """Detail pages: the ad root element and how to read each field inside it."""

    root: FieldSpec
    ad_id: FieldSpec | None = None
    title: FieldSpec
    body: FieldSpec
    posted_at: FieldSpec | None = None
    images: FieldSpec | None = None
    extra: dict[str, FieldSpec] = Field(default_factory=dict, description="Other raw fields, e.g. city.")

    @field_validator("images")
    @classmethod
    def _images_many(cls, value: FieldSpec | None) -> FieldSpec | None:
        if value is not None and not value.many:
            raise ValueError("images must set many: true")
        return value


class PageStep(_Strict):
    """One wait step run before the HTML is taken: a Playwright page method (scrapy-playwright
    ``PageMethod``) or ``wait_for_css`` (crawler.browser: a selector awaited by a MutationObserver,
    cheaper than ``wait_for_selector``; args [selector], kwargs {timeout: ms})."""

    method: Literal["wait_for_css", "wait_for_selector", "wait_for_load_state", "wait_for_function", "wait_for_timeout"]
    args: list[Any] = Field(default_factory=list)
    kwargs: dict[str, Any] = Field(default_factory=dict)


class BrowserSpec(_Strict):
    """Steps that tell when a JavaScript page has rendered its content."""

    listing_wait: list[PageStep] = Field(min_length=1)
    detail_wait: list[PageStep] = Field(min_length=1)
    render_error: FieldSpec | None = Field(
        default=None, description="Matches when the page's script failed (e.g. its API call); the page is retried."
    )


class SearchSpec(_Strict):
    """A search URL template; ``{term}`` is replaced by the URL-encoded term."""

    url: str
    term_lists: list[str] = Field(default_factory=list, description="Term lists searched by default.")

    @field_validator("url")
    @classmethod
    def _has_term(cls, value: str) -> str:
        if "{term}" not in value:
            raise ValueError("search url must contain {term}")
        return value


class Politeness(_Strict):
    """How hard to hit a site: Scrapy's delay, concurrency and AutoThrottle.

    The defaults are for a small real site that did not ask to be crawled: two requests at a time, a
    second between them, AutoThrottle aiming at one request in flight. A fast crawl is a site's explicit
    choice in its YAML (the fixture sites set theirs).
    """

    download_delay: float = Field(default=1.0, ge=0)
    concurrency: int = Field(default=2, ge=1, le=64)
    autothrottle: bool = True
    autothrottle_target_concurrency: float = Field(default=1.0, gt=0)


class RobotsPolicy(_Strict):
    """robots.txt is obeyed unless the site's YAML says otherwise, with a reason that is logged on every crawl."""

    obey: bool = True
    reason: str | None = Field(default=None, description="Why robots.txt may be ignored (required with obey: false).")

    @model_validator(mode="after")
    def _reason_for_override(self) -> RobotsPolicy:
        if not self.obey and len((self.reason or "").strip()) < 10:
            raise ValueError("obey: false needs a reason (at least 10 characters; it is logged with every crawl)")
        return self


class Limits(_Strict):
    """Caps that protect the crawler from hostile or broken pages."""

    max_page_bytes: int = Field(default=5_000_000, gt=0)
    max_image_bytes: int = Field(default=10_000_000, gt=0)
    max_image_pixels: int = Field(
        default=DEFAULT_MAX_PIXELS,
        gt=0,
        description="A photo announcing more pixels is refused as a decompression bomb (the ad is kept).",
    )
    timeout_s: float = Field(default=20.0, gt=0, description="HTTP download and browser navigation timeout.")
    retries: int = Field(default=3, ge=0)
    max_listing_pages: int = Field(
        default=5_000,
        gt=0,
        description="Listing and search-result pages fetched per run at most (a pagination trap stops here).",
    )
    max_consecutive_parse_failures: int = Field(
        default=20,
        gt=0,
        description="Complete detail pages in a row on which a selector matched nothing before the crawl stops "
        "with 'site layout changed' (exit code 4).",
    )


class SiteConfig(_Strict):
    """One site, as read from ``crawler/sites/<site>.yaml`` (the site id is the file name)."""

    site: str
    name: str
    base_url: str = Field(description="Origin of the site; override with --base-url or SIGNAAL_SITE_<SITE>_URL.")
    render: Literal["html", "browser", "json"] = "html"
    start_paths: list[str] = Field(min_length=1)
    allowed_origins: list[str] = Field(default_factory=list, description="Extra origins besides base_url.")
    listing: ListingSpec
    detail: DetailSpec
    browser: BrowserSpec | None = None
    search: SearchSpec | None = None
    politeness: Politeness = Politeness()
    robots_txt: RobotsPolicy = RobotsPolicy()
    limits: Limits = Limits()
    recrawl_every: timedelta | None = Field(
        default=None,
        description="Crawl the site again this long after its last crawl finished (`signaal schedule --due` or "
        "`--loop`); an ISO 8601 duration (PT6H) or seconds. Unset: only when asked.",
    )
    complete_marker: str | None = Field(
        default="</html>",
        description="Text a complete server-rendered page ends with; a page without it was cut off and is "
        "retried. null for sites that do not close their HTML.",
    )

    @field_validator("site")
    @classmethod
    def _site_id(cls, value: str) -> str:
        if not SITE_ID_RE.match(value):
            raise ValueError("site id must be lower-case letters, digits, '-' or '_'")
        return value

    @field_validator("recrawl_every")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value.total_seconds() <= 0:
            raise ValueError("recrawl_every must be a positive duration, e.g. PT6H")
        return value

    @field_validator("base_url")
    @classmethod
    def _origin(cls, value: str) -> str:
        return _normalize_origin(value)

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        return [_normalize_origin(v) for v in value]

    @model_validator(mode="before")
    @classmethod
    def _json_has_no_marker(cls, data: Any) -> Any:
        """JSON has no closing tag: a render: json site defaults to no complete marker."""
        if isinstance(data, dict) and data.get("render") == "json" and "complete_marker" not in data:
            return {**data, "complete_marker": None}
        return data

    @model_validator(mode="after")
    def _combinations(self) -> SiteConfig:
        if self.render == "browser" and self.browser is None:
            raise ValueError("render: browser needs a browser: block with listing_wait and detail_wait")
        if self.render != "browser" and self.browser is not None:
            raise ValueError("a browser: block only makes sense with render: browser")
        for name, spec in self.field_specs():
            if self.render == "json" and spec.kind != "jsonpath":
                raise ValueError(f"{name}: a render: json site reads its API with jsonpath, not {spec.kind}")
            if self.render != "json" and spec.kind == "jsonpath":
                raise ValueError(f"{name}: HTML sites select with css or xpath, not jsonpath (or set render: json)")
        if self.render == "json" and self.complete_marker:
            raise ValueError("complete_marker is for HTML; a cut-off JSON response fails to parse and is retried")
        return self

    def field_specs(self) -> list[tuple[str, FieldSpec]]:
        """Every selector of the listing and detail blocks with its dotted config name (for errors)."""
        out: list[tuple[str, FieldSpec]] = []
        for block_name, block in (("listing", self.listing), ("detail", self.detail)):
            for name, value in block:
                if isinstance(value, FieldSpec):
                    out.append((f"{block_name}.{name}", value))
                elif isinstance(value, dict):
                    out += [(f"{block_name}.{name}.{k}", v) for k, v in value.items()]
        return out

    @property
    def origins(self) -> frozenset[str]:
        """Every origin (scheme://host:port) the crawl may touch."""
        return frozenset([self.base_url, *self.allowed_origins])

    def with_base_url(self, base_url: str) -> SiteConfig:
        """A copy pointing at another origin (fixture sites run on random ports)."""
        return self.model_validate({**self.model_dump(), "base_url": base_url})


def _normalize_origin(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) origin like http://127.0.0.1:8701")
    if parts.path not in ("", "/") or parts.query:
        raise ValueError(f"{value!r} must be an origin without a path")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{parts.hostname}:{port}"


class TermList(_Strict):
    """An analyst-maintained list of search terms (``crawler/terms/<list>.yaml``)."""

    name: str
    description: str = ""
    terms: list[str] = Field(min_length=1)

    @field_validator("terms")
    @classmethod
    def _clean(cls, value: list[str]) -> list[str]:
        cleaned = list(dict.fromkeys(t.strip() for t in value if t and t.strip()))
        if not cleaned:
            raise ValueError("no non-empty terms")
        return cleaned


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"{path}: file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}:{where} not valid YAML") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def _first_error(path: Path, exc: ValidationError) -> ConfigError:
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or "(top level)"
    msg = err["msg"].removeprefix("Value error, ")
    more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return ConfigError(f"{path}: {field}: {msg}{more}")


def site_path(site: str, sites_dir: Path | None = None) -> Path:
    """A site id is a YAML file name; a path to a YAML file is accepted too."""
    if site.endswith((".yaml", ".yml")):
        return Path(site)
    return (sites_dir or SITES_DIR) / f"{site}.yaml"


def load_site(site: str, *, base_url: str | None = None, sites_dir: Path | None = None) -> SiteConfig:
    """Load and validate a site; ``base_url`` (or ``SIGNAAL_SITE_<SITE>_URL``) overrides its origin."""
    path = site_path(site, sites_dir)
    data = _read_yaml(path)
    site_id = path.stem
    env_url = os.environ.get(f"SIGNAAL_SITE_{site_id.upper().replace('-', '_')}_URL")
    override = base_url or env_url
    if override:
        data["base_url"] = override
    try:
        return SiteConfig.model_validate({**data, "site": site_id})
    except ValidationError as exc:
        raise _first_error(path, exc) from None


def list_sites(sites_dir: Path | None = None) -> list[str]:
    """Site ids available in the sites directory."""
    return sorted(p.stem for p in (sites_dir or SITES_DIR).glob("*.yaml"))


def load_terms(name: str, terms_dir: Path | None = None) -> TermList:
    """Load one term list by name (file stem) or path."""
    path = Path(name) if name.endswith((".yaml", ".yml")) else (terms_dir or TERMS_DIR) / f"{name}.yaml"
    data = _read_yaml(path)
    try:
        return TermList.model_validate({**data, "name": path.stem})
    except ValidationError as exc:
        raise _first_error(path, exc) from None


def site_term_lists(cfg: SiteConfig, terms: list[str] | None, no_search: bool) -> list[TermList]:
    """The term lists a crawl of ``cfg`` searches: ``terms`` if given, else the site's own; none with
    ``no_search``. A list for a site without a ``search:`` block is a :class:`ConfigError`."""
    names = [] if no_search else (terms or (cfg.search.term_lists if cfg.search else []))
    if names and cfg.search is None:
        raise ConfigError(f"site {cfg.site} has no search: block, so --terms cannot be used")
    return [load_terms(name) for name in names]
