"""Read fields out of a page with the selectors of a site config.

Pure functions over parsel selectors so they are tested without a crawl; the
spiders only decide which page is which.
"""

from __future__ import annotations

import html
import re
from typing import Any

from parsel import Selector, SelectorList

from crawler.config import DetailSpec, FieldSpec, ListingSpec

# A <br> (with the source newline that usually follows it) or the end of a block is one line break.
_BLOCK_BREAK = re.compile(r"(?:<br\s*/?>|</(?:p|div|li|h[1-6])>)[ \t]*\r?\n?", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


class ExtractionError(ValueError):
    """The page is not what the config expects (or it is broken); ``kind`` names why, for stats."""

    def __init__(self, message: str, kind: str = "parse") -> None:
        super().__init__(message)
        self.kind = kind


def _select(node: Selector, spec: FieldSpec) -> SelectorList[Selector]:
    return node.css(spec.css) if spec.css else node.xpath(spec.xpath or "")


def _block_text(fragment: str) -> str:
    """Inner text with <br>/block ends as newlines, tags dropped, entities decoded."""
    inner = re.sub(r"^<[^>]+>|<[^>]+>$", "", fragment.strip())
    text = _TAG.sub("", _BLOCK_BREAK.sub("\n", inner))
    return html.unescape(text).strip()


def field(node: Selector, spec: FieldSpec, name: str) -> Any:
    """One field's value: a string (or list with ``many``), ``None``/``[]`` when absent."""
    found = _select(node, spec)
    values = [_block_text(v) if spec.block_text else v.strip() for v in found.getall()]
    values = [v for v in values if v]
    if spec.required and not values:
        raise ExtractionError(f"missing {name}")
    if spec.many:
        return values
    return values[0] if values else None


def listing_entries(sel: Selector, spec: ListingSpec) -> list[tuple[str, str | None]]:
    """(link, site ad id) per entry on a listing page, in page order."""
    out = []
    for entry in _select(sel, spec.entry):
        link = field(entry, spec.link, "link")
        if link:
            out.append((link, field(entry, spec.ad_id, "ad_id") if spec.ad_id else None))
    return out


def next_page(sel: Selector, spec: ListingSpec) -> str | None:
    return field(sel, spec.next_page, "next_page") if spec.next_page else None


def detail_fields(sel: Selector, spec: DetailSpec) -> dict[str, Any]:
    """The raw ad fields of a detail page; raises ExtractionError when the page is not an ad."""
    roots = _select(sel, spec.root)
    if not roots:
        raise ExtractionError("missing ad root")
    root = roots[0]
    out: dict[str, Any] = {
        "site_ad_id": field(root, spec.ad_id, "ad_id") if spec.ad_id else None,
        "title": field(root, spec.title, "title"),
        "body": field(root, spec.body, "body"),
        "posted_at": field(root, spec.posted_at, "posted_at") if spec.posted_at else None,
        "images": field(root, spec.images, "images") if spec.images else [],
    }
    for name, extra in spec.extra.items():
        out[name] = field(root, extra, name)
    return out
