"""HTML of the fixture sites. All ad text is HTML-escaped here; this is the markup contract crawlers use.

prikbord (server-rendered): listing ``ul.listing > li.ad-card[data-ad-id] > a.ad-link + span.city``, next link
``a.next[rel=next]``, detail ``article.ad[data-ad-id]`` with ``h1.ad-title``, ``time.posted[datetime]``,
``span.city``, ``div.ad-body`` and ``div.photos > img.photo``. vitrine: an empty shell filled by app.js.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

PAGE_SIZE = 20
MONTHS_NL = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")

_HEAD = (
    '<!doctype html>\n<html lang="nl"><head><meta charset="utf-8"><title>{title}</title>'
    '<meta name="viewport" content="width=device-width, initial-scale=1"></head>\n<body>\n'
    '<header><a class="home" href="/">Prikbord</a> <span class="tagline">Advertenties uit heel Nederland</span>\n'
    '<form class="search" action="/search" method="get"><input type="search" name="q" value="{q}">'
    '<button type="submit">Zoeken</button></form></header>\n<main>\n'
)
_TAIL = "</main>\n<footer>Prikbord is a synthetic fixture site (Signaal tests).</footer>\n</body></html>\n"


def prikbord_listing(
    ads: list[dict[str, Any]], page: int, pages: int, query: str | None = None, next_page: int | None = None
) -> str:
    """A listing or search-result page; ``ads`` are the ads of this page, ``next_page`` where "next" points."""
    title = f"Zoeken: {query}" if query is not None else "Advertenties"
    parts = [
        _HEAD.format(title=escape(f"Prikbord - {title} - pagina {page}"), q=escape(query or "")),
        '<ul class="listing">\n',
    ]
    for ad in ads:
        sid = escape(ad["site_ad_id"])
        parts.append(
            f'<li class="ad-card" data-ad-id="{sid}"><a class="ad-link" href="/ad/{sid}">{escape(ad["title"])}</a> '
            f'<span class="city">{escape(ad["city"])}</span></li>\n'
        )
    parts.append("</ul>\n")
    if not ads:
        parts.append('<p class="empty">Geen advertenties gevonden.</p>\n')
    parts.append(f'<nav class="pagination"><span class="page">Pagina {page} van {max(pages, 1)}</span>')
    if page > 1:
        parts.append(f' <a rel="prev" class="prev" href="{escape(_page_href(page - 1, query))}">Vorige</a>')
    if next_page is not None:
        parts.append(f' <a rel="next" class="next" href="{escape(_page_href(next_page, query))}">Volgende</a>')
    parts.append("</nav>\n")
    parts.append(_TAIL)
    return "".join(parts)


def _page_href(page: int, query: str | None) -> str:
    if query is None:
        return f"/ads?page={page}"
    return "/search?" + urlencode({"q": query, "page": page})


def prikbord_detail(ad: dict[str, Any], photo_files: list[str]) -> str:
    """The detail page of one ad; ``photo_files`` are its photos' file names (``<photo id>.<ext>``)."""
    sid = escape(ad["site_ad_id"])
    body = escape(ad["body"]).replace("\n", "<br>\n")
    photos = "".join(f'<img class="photo" src="/img/{escape(name)}">' for name in photo_files)
    return (
        _HEAD.format(title=escape(f"Prikbord - {ad['title']}"), q="")
        + f'<article class="ad" data-ad-id="{sid}"><h1 class="ad-title">{escape(ad["title"])}</h1>'
        f'<time class="posted" datetime="{escape(ad["posted_at"])}">{human_date(ad["posted_at"])}</time>'
        f'<span class="city">{escape(ad["city"])}</span>'
        f'<div class="ad-body">{body}</div>'
        f'<div class="photos">{photos}</div></article>\n'
        '<p class="back"><a href="/">Terug naar overzicht</a></p>\n' + _TAIL
    )


def human_date(iso: str) -> str:
    """'2025-03-03T08:00:00Z' -> '3 mrt 2025 08:00' (what a visitor sees; machines read the attribute)."""
    date, time = iso.rstrip("Z").split("T")
    year, month, day = date.split("-")
    return f"{int(day)} {MONTHS_NL[int(month) - 1]} {year} {time[:5]}"


def not_found_page(what: str) -> str:
    """A small 404 page."""
    return _HEAD.format(title="Niet gevonden", q="") + f'<p class="error">Niet gevonden: {escape(what)}</p>\n' + _TAIL


VITRINE_SHELL = (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Vitrine</title>'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<style>body{font-family:sans-serif;max-width:40em;margin:auto}.text{white-space:pre-line}"
    ".card{padding:.3em 0;border-bottom:1px solid #ddd}</style></head>\n"
    '<body>\n<header><a class="home" href="/">Vitrine</a></header>\n<div id="app"></div>\n'
    '<script src="/static/app.js"></script>\n</body></html>\n'
)
