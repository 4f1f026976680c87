"""Turn an archived HTML page into a self-contained document that can show it and do nothing else.

The page is untrusted. It is shown in an iframe with ``sandbox`` (no scripts, forms, popups or
same-origin access) and served with its own CSP (``default-src 'none'; img-src data:``), so even a
mistake here cannot run code or reach the network. This module makes the page look as received
within those walls:

- every URL the page would load (``src``, ``action``, ``data``, CSS ``url()`` and ``@import``, ...)
  is resolved against the page's own URL (or its first ``<base href>``) and then replaced: photos
  the crawler archived become ``data:`` URIs of their WARC payload (read by the caller), everything
  else becomes a visible "not archived" placeholder, so nothing can be fetched;
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
from urllib.parse import urljoin

import lxml.html
from lxml import etree

#: Attributes that hold a URL a browser may fetch or follow (lxml.html.defs.link_attrs and newer ones).
URL_ATTRIBUTES = (
    "src", "href", "action", "data", "formaction", "background", "codebase", "cite", "longdesc", "usemap",
    "profile", "classid", "archive", "dynsrc", "lowsrc", "manifest", "icon", "xlink:href",
)  # fmt: skip
#: Attributes removed outright: other ways to fetch or ping, and subresource integrity noise.
DROPPED_ATTRIBUTES = frozenset({"srcset", "imagesrcset", "ping", "poster", "integrity", "nonce"})
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
    "button": "form",
    "object": "object",
    "embed": "object",
    "applet": "object",
    "video": "media",
    "audio": "media",
    "source": "media",
    "track": "media",
}
META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([\w.:-]+)", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.IGNORECASE | re.DOTALL)
#: One XPath pass finds every attribute that matters (in C): URL attributes, handlers, dropped ones.
ATTRIBUTES = etree.XPath(
    "//@*["
    + " or ".join(f"local-name()='{a.split(':')[-1]}'" for a in URL_ATTRIBUTES)
    + " or starts-with(local-name(),'on') or starts-with(local-name(),'ON') or "
    + " or ".join(f"local-name()='{a}'" for a in sorted(DROPPED_ATTRIBUTES))
    + "]"
)
REFRESH_OR_BASE = etree.XPath("//base | //meta[translate(@http-equiv,'REFSH','refsh')='refresh']")
STYLES = etree.XPath("//style | //@style")
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
    links: int = 0  # links made inert


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
    """The inert, self-contained page; ``photos`` maps absolute photo URLs to their ``data:`` URIs.

    Resources list what the page would load (not its links, which are only counted)."""
    text = _decode(payload, charset)
    try:
        doc = lxml.html.document_fromstring(text or "<html></html>")
    except (etree.ParserError, ValueError):
        doc = lxml.html.document_fromstring("<html><body></body></html>")
    base = page_url
    resources: dict[tuple[str, str], Resource] = {}
    links = 0
    for element in REFRESH_OR_BASE(doc):
        if element.tag == "base":
            if element.get("href") and base == page_url:  # the first <base href> counts, as in a browser
                base = urljoin(page_url, element.get("href").strip())
        else:
            target = (element.get("content") or "").partition("=")[2].strip()
            resources[("refresh", target)] = Resource(target, "refresh", False)
        element.drop_tree()

    def replace(url: str, tag: str, kind: str) -> str:
        absolute = urljoin(base, url.strip())
        archived = absolute in photos and (tag in IMAGE_TAGS or kind == "style")
        resources.setdefault((kind, absolute), Resource(absolute, kind, archived))
        return photos[absolute] if archived else MISSING

    for attribute in ATTRIBUTES(doc):
        element, name = attribute.getparent(), attribute.attrname
        lower = name.lower()
        if lower.startswith("on") or lower in DROPPED_ATTRIBUTES:
            del element.attrib[name]
        elif element.tag in NAVIGATION_TAGS and lower in ("href", "xlink:href"):
            target = str(attribute)  # as written in the page: links are only shown, never resolved or followed
            del element.attrib[name]
            element.set("data-archived-href", target)
            element.set("title", target)
            links += 1
        else:
            element.set(name, replace(str(attribute), element.tag, KIND_OF_TAG.get(element.tag, "other")))
    for found in STYLES(doc):
        css = str(found) if isinstance(found, str) else found.text or ""
        rewritten = CSS_URL.sub(lambda m: _css_replacement(m, replace), css)
        if isinstance(found, str):
            found.getparent().set("style", rewritten)
        else:
            found.text = rewritten
    if not show_photos:
        head = doc.find("head")
        if head is None:
            head = etree.Element("head")
            doc.insert(0, head)
        style = etree.SubElement(head, "style")
        style.text = BLUR_STYLE
    html = lxml.html.tostring(doc, encoding="utf-8", method="html", doctype="<!DOCTYPE html>")
    return RenderedPage(html, list(resources.values()), links)


def _css_replacement(match: re.Match, replace) -> str:
    if match.group(2) is not None:
        return f"url({replace(match.group(2), 'style', 'style')})"
    return f'@import "{replace(match.group(4), "style", "style")}"'
