"""Turn an archived HTML page into a self-contained document that can show it and do nothing else.

The page is untrusted. It is shown in an iframe with ``sandbox`` (no scripts, forms, popups or
same-origin access) and served with its own CSP (``default-src 'none'; img-src data:``), so even a
mistake here cannot run code or reach the network. This module makes the page look as received
within those walls:

- every URL in the page (``src``, ``href``, ``action``, CSS ``url()``, ``<base>``) is resolved
  against the page's own URL and then replaced: photos the crawler archived become ``data:`` URIs of
  their WARC payload (read by the caller), everything else becomes a visible "not archived"
  placeholder, so nothing can be fetched;
- navigation is made inert: links keep their target in ``data-archived-href`` (and as a tooltip),
  ``<meta http-equiv=refresh>`` and ``<base>`` are dropped, ``srcset``/``ping``/``poster`` and inline
  event handlers (``on...``) are removed;
- photos are blurred unless the analyst asked to see them (the same default as the ad page).

What the page referred to is returned as a list of resources (URL, kind, archived or not), which the
viewer shows next to the page. The raw record is shown separately, byte for byte.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass

import lxml.html
from lxml import etree

#: Attributes removed everywhere: other ways to fetch or ping that lxml does not report as links.
DROPPED_ATTRIBUTES = ("srcset", "imagesrcset", "ping", "poster", "integrity", "nonce", "background")
NAVIGATION_TAGS = frozenset({"a", "area"})
IMAGE_TAGS = frozenset({"img", "image", "input"})
KIND_OF_TAG = {
    "img": "image",
    "image": "image",
    "input": "image",
    "script": "script",
    "link": "stylesheet or preload",
    "style": "style",
    "iframe": "frame",
    "frame": "frame",
    "form": "form",
    "object": "object",
    "embed": "object",
    "video": "media",
    "audio": "media",
    "source": "media",
    "a": "link",
    "area": "link",
}
META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([\w.:-]+)", re.IGNORECASE)
MISSING_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="60" viewBox="0 0 160 60">'
    '<rect width="160" height="60" fill="#eef0f3" stroke="#b42318" stroke-dasharray="4 3"/>'
    '<text x="80" y="35" font-family="sans-serif" font-size="12" text-anchor="middle" fill="#b42318">'
    "not archived</text></svg>"
)
MISSING = "data:image/svg+xml;base64," + base64.b64encode(MISSING_SVG.encode()).decode()
BLUR_STYLE = "img,image,input[type=image]{filter:blur(18px) grayscale(60%)}"


@dataclass(frozen=True)
class Resource:
    """Something the archived page refers to, and whether its bytes are in the evidence."""

    url: str
    kind: str
    archived: bool


@dataclass(frozen=True)
class RenderedPage:
    html: bytes  # UTF-8
    resources: list[Resource]


def image_media_type(data: bytes) -> str | None:
    """The media type of a raster photo by its magic bytes; None for anything else (SVG included)."""
    for magic, media in ((b"\x89PNG", "image/png"), (b"\xff\xd8", "image/jpeg"), (b"GIF8", "image/gif")):
        if data.startswith(magic):
            return media
    return "image/webp" if data[:4] == b"RIFF" and data[8:12] == b"WEBP" else None


def data_uri(data: bytes) -> str | None:
    """A ``data:`` URI for a raster photo (None when the bytes are not one)."""
    media = image_media_type(data)
    return f"data:{media};base64,{base64.b64encode(data).decode()}" if media else None


def _decode(payload: bytes, charset: str | None) -> str:
    """The page as text: the HTTP charset, else the page's own ``<meta charset>``, else UTF-8."""
    if not charset:
        match = META_CHARSET.search(payload[:2048])
        charset = match.group(1).decode("ascii", "replace") if match else "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name in the page
        return payload.decode("utf-8", errors="replace")


def render_archived_html(
    payload: bytes,
    page_url: str,
    photos: Mapping[str, str],
    *,
    charset: str | None = None,
    show_photos: bool = False,
) -> RenderedPage:
    """The inert, self-contained page; ``photos`` maps absolute photo URLs to their ``data:`` URIs."""
    text = _decode(payload, charset)
    try:
        doc = lxml.html.document_fromstring(text or "<html></html>", base_url=page_url)
    except (etree.ParserError, ValueError):
        doc = lxml.html.document_fromstring("<html><body></body></html>")
    doc.resolve_base_href(handle_failures="discard")
    doc.make_links_absolute(page_url, resolve_base_href=False, handle_failures="discard")
    resources: dict[tuple[str, str], Resource] = {}
    for element in list(doc.iter()):
        if not isinstance(element.tag, str):
            continue
        if element.tag == "meta" and (element.get("http-equiv") or "").strip().lower() == "refresh":
            target = (element.get("content") or "").partition("=")[2].strip()
            resources[("refresh", target)] = Resource(target, "refresh", False)
            element.drop_tree()
            continue
        for name in list(element.attrib):
            if name.lower().startswith("on") or name.lower() in DROPPED_ATTRIBUTES:
                del element.attrib[name]
        if element.tag in NAVIGATION_TAGS and element.get("href") is not None:
            target = element.attrib.pop("href")
            element.set("data-archived-href", target)
            element.set("title", target)
            resources[("link", target)] = Resource(target, "link", False)
    for element, _, url, _ in doc.iterlinks():
        kind = KIND_OF_TAG.get(element.tag, "style")
        archived = url in photos and (element.tag in IMAGE_TAGS or kind == "style")
        resources.setdefault((kind, url), Resource(url, kind, archived))
    doc.rewrite_links(lambda url: photos.get(url, MISSING), resolve_base_href=False)
    if not show_photos:
        head = doc.find("head")
        if head is None:
            head = etree.Element("head")
            doc.insert(0, head)
        style = etree.SubElement(head, "style")
        style.text = BLUR_STYLE
    html = lxml.html.tostring(doc, encoding="utf-8", method="html", doctype="<!DOCTYPE html>")
    return RenderedPage(html, list(resources.values()))
