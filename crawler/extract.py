"""Read fields out of a page with the selectors of a site config.

Pure functions over parsel selectors (HTML) or parsed JSON documents (API
sites, JSONPath selectors) so they are tested without a crawl; the spider only
decides which page is which. A node is a ``parsel.Selector`` for css/xpath
fields and any JSON value for jsonpath fields.
"""

from __future__ import annotations

import html
import re
from typing import Any

from parsel import Selector, SelectorList

from crawler.config import DetailSpec, FieldSpec, ListingSpec
from crawler.jsonpaths import find

# A <br> (with the source newline that usually follows it) or the end of a block is one line break.
_BLOCK_BREAK = re.compile(r"(?:<br\s*/?>|</(?:p|div|li|h[1-6])>)[ \t]*\r?\n?", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


class ExtractionError(ValueError):
    """The page is not what the config expects (or it is broken); ``kind`` names why, for stats.

    ``retryable``: the page may read fine when fetched again (cut off, its script failed, not JSON yet).
    A complete page on which a selector matches nothing fails the same way every time, so it is not
    retried; ``field`` then names the config field whose selector matched nothing (the clue that a
    site's layout changed).
    """

    def __init__(self, message: str, kind: str = "parse", *, retryable: bool = False, field: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.retryable = retryable
        self.field = field


def describe(spec: FieldSpec) -> str:
    """A selector as a user wrote it: ``css 'h1.ad-title::text'``."""
    return f"{spec.kind} {spec.css or spec.xpath or spec.jsonpath!r}"


def matched_nothing(name: str, spec: FieldSpec) -> ExtractionError:
    """The error for a required selector that found nothing on a complete page."""
    return ExtractionError(f"{name} ({describe(spec)}) matched nothing", field=name)


def _select(node: Any, spec: FieldSpec) -> SelectorList[Selector] | list[Any]:
    """Matching elements (HTML) or values (JSON)."""
    if spec.jsonpath:
        return find(spec.jsonpath, node)
    return node.css(spec.css) if spec.css else node.xpath(spec.xpath or "")


def _json_text(value: Any, name: str) -> str:
    """A JSON scalar as text; an object or array where text is expected is a config mistake."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value).strip()
    kind = "array (select its items with [*])" if isinstance(value, list) else "object"
    raise ExtractionError(f"{name}: expected a text or number value, the JSONPath selected an {kind}")


def _texts(node: Any, spec: FieldSpec, name: str) -> list[str]:
    """Every non-empty selected value as text, before the template."""
    if spec.jsonpath:
        values = [_json_text(v, name) for v in find(spec.jsonpath, node)]
    else:
        found = _select(node, spec)
        values = [_block_text(v) if spec.block_text else v.strip() for v in found.getall()]
    return [v for v in values if v]


def _block_text(fragment: str) -> str:
    """Inner text with <br>/block ends as newlines, tags dropped, entities decoded."""
    inner = re.sub(r"^<[^>]+>|<[^>]+>$", "", fragment.strip())
    text = _TAG.sub("", _BLOCK_BREAK.sub("\n", inner))
    return html.unescape(text).strip()


def field(node: Any, spec: FieldSpec, name: str) -> Any:
    """One field's value: a string (or list with ``many``), ``None``/``[]`` when absent."""
    values = _texts(node, spec, name)
    if spec.template is not None:
        values = [spec.template.replace("{}", v) for v in values]
    if spec.required and not values:
        raise matched_nothing(name, spec)
    if spec.many:
        return values
    return values[0] if values else None


def listing_entries(sel: Any, spec: ListingSpec) -> list[tuple[str, str | None]]:
    """(link, site ad id) per entry on a listing page, in page order."""
    out = []
    for entry in _select(sel, spec.entry):
        link = field(entry, spec.link, "listing.link")
        if link:
            out.append((link, field(entry, spec.ad_id, "listing.ad_id") if spec.ad_id else None))
    return out


def next_page(sel: Any, spec: ListingSpec) -> str | None:
    """The next listing page's URL; with ``last_page``, only while the next number does not pass it."""
    if spec.next_page is None:
        return None
    if spec.last_page is None:
        return field(sel, spec.next_page, "listing.next_page")
    numbers = _texts(sel, spec.next_page, "listing.next_page")
    lasts = _texts(sel, spec.last_page, "listing.last_page")
    if not numbers or not lasts:
        return None
    try:
        number, last = float(numbers[0]), float(lasts[0])
    except ValueError:
        raise ExtractionError(f"page numbers are not numbers: next {numbers[0]!r}, last {lasts[0]!r}") from None
    if number > last:
        return None
    assert spec.next_page.template is not None  # the config requires it with last_page
    return spec.next_page.template.replace("{}", numbers[0].removesuffix(".0"))


def detail_fields(sel: Any, spec: DetailSpec) -> dict[str, Any]:
    """The raw ad fields of a detail page; raises ExtractionError when the page is not an ad."""
    roots = _select(sel, spec.root)
    if not roots:
        raise matched_nothing("detail.root", spec.root)
    root = roots[0]
    out: dict[str, Any] = {
        "site_ad_id": field(root, spec.ad_id, "detail.ad_id") if spec.ad_id else None,
        "title": field(root, spec.title, "detail.title"),
        "body": field(root, spec.body, "detail.body"),
        "posted_at": field(root, spec.posted_at, "detail.posted_at") if spec.posted_at else None,
        "images": field(root, spec.images, "detail.images") if spec.images else [],
    }
    for name, extra in spec.extra.items():
        out[name] = field(root, extra, f"detail.extra.{name}")
    return out
