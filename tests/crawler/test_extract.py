"""Field extraction from the markup contract, ids, hashes and normalization."""

from __future__ import annotations

import pytest
from parsel import Selector

from crawler.config import load_site
from crawler.extract import ExtractionError, detail_fields, listing_entries, next_page
from crawler.pipelines.normalize import posted_at_utc
from signaal.ids import ad_id, canonical_url, content_hash

DETAIL = (
    '<article class="ad" data-ad-id="p00042"><h1 class="ad-title">Lisa &amp; Utrecht</h1>'
    '<time class="posted" datetime="2025-03-01T09:30:00Z">1 maart</time><span class="city">Utrecht</span>'
    '<div class="ad-body">Hoi, ik ben Lisa, 24 jaar.<br>Beschikbaar ma t/m vr &lt;10-18&gt;<br/>'
    "Prijs 120 per uur</div>"
    '<div class="photos"><img class="photo" src="/img/a1.png"><img class="photo" src="/img/a2.png"></div></article>'
)
LISTING = (
    '<ul class="listing"><li class="ad-card" data-ad-id="p00001"><a class="ad-link" href="/ad/p00001">A</a> '
    '<span class="city">Delft</span></li><li class="ad-card" data-ad-id="p00002"><a class="ad-link" '
    'href="/ad/p00002">B</a></li></ul><a rel="next" class="next" href="/ads?page=3">volgende</a>'
)


def test_listing_entries_and_next_page():
    site = load_site("prikbord")
    sel = Selector(text=LISTING)
    assert listing_entries(sel, site.listing) == [("/ad/p00001", "p00001"), ("/ad/p00002", "p00002")]
    assert next_page(sel, site.listing) == "/ads?page=3"
    assert next_page(Selector(text="<ul class=listing></ul>"), site.listing) is None


def test_detail_fields_keep_text_as_published_with_newlines():
    fields = detail_fields(Selector(text=DETAIL), load_site("prikbord").detail)
    assert fields == {
        "site_ad_id": "p00042",
        "title": "Lisa & Utrecht",
        "body": "Hoi, ik ben Lisa, 24 jaar.\nBeschikbaar ma t/m vr <10-18>\nPrijs 120 per uur",
        "posted_at": "2025-03-01T09:30:00Z",
        "images": ["/img/a1.png", "/img/a2.png"],
        "city": "Utrecht",
    }


def test_detail_missing_required_field_names_the_field_and_its_selector():
    site = load_site("prikbord")
    with pytest.raises(ExtractionError) as missing_title:
        detail_fields(Selector(text=DETAIL.replace('class="ad-title"', 'class="x"')), site.detail)
    assert str(missing_title.value) == "detail.title (css 'h1.ad-title::text') matched nothing"
    assert missing_title.value.field == "detail.title" and not missing_title.value.retryable
    with pytest.raises(ExtractionError) as missing_root:
        detail_fields(Selector(text="<html><body>truncated</body>"), site.detail)
    assert str(missing_root.value) == "detail.root (css 'article.ad') matched nothing"


def test_ids_are_stable():
    assert ad_id("prikbord", "p00042", "http://127.0.0.1:1/ad/p00042") == "prikbord:p00042"
    a = ad_id("x", None, "http://h:1/ad?b=2&a=1#top")
    assert a == ad_id("x", None, "http://h:1/ad?a=1&b=2") and a.startswith("x:u:") and len(a) == 24
    assert canonical_url("http://h:1/ad?b=2&a=1#frag") == "http://h:1/ad?a=1&b=2"


def test_content_hash_ignores_layout_whitespace_only():
    base = content_hash("Lisa", "regel een\nregel twee")
    assert base == content_hash(" Lisa ", "regel  een \r\n\n\nregel twee\n")
    assert base != content_hash("Lisa", "regel een\nregel drie")


def test_posted_at_is_stored_in_the_one_record_time_format():
    assert posted_at_utc("2025-03-01T10:30:00+01:00") == "2025-03-01T09:30:00.000Z"
    assert posted_at_utc("2025-03-01T09:30:00") == "2025-03-01T09:30:00.000Z"
    assert posted_at_utc("gisteren") is None and posted_at_utc(None) is None
