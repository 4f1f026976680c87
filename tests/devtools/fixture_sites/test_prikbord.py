"""prikbord over real HTTP: markup contract, pagination, detail pages, photos, search, 404s."""

from __future__ import annotations

import io
from urllib.parse import urljoin

import httpx
import pytest
from parsel import Selector
from PIL import Image

from devtools.fixture_sites.images import photo_path, prerender, profile
from tests.helpers import DEADLINE_S


@pytest.fixture(scope="module")
def client():
    with httpx.Client(timeout=DEADLINE_S) as c:
        yield c


def _crawl_listing(client, start):
    """Follow rel=next from ``start``; return the ids in listing order and the pages visited."""
    url, ids, pages = start, [], 0
    while url:
        res = client.get(url)
        assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
        sel = Selector(text=res.text)
        for card in sel.css("ul.listing > li.ad-card"):
            sid = card.attrib["data-ad-id"]
            assert card.css("a.ad-link::attr(href)").get() == f"/ad/{sid}"
            assert card.css("a.ad-link::text").get() and card.css("span.city::text").get()
            ids.append(sid)
        assert len(sel.css("li.ad-card")) <= 20
        nxt = sel.css('a.next[rel="next"]::attr(href)').get()
        url = urljoin(url, nxt) if nxt else None
        pages += 1
    return ids, pages


def test_pagination_covers_every_ad_once_newest_first(sites, client):
    ids, pages = _crawl_listing(client, sites.prikbord_url + "/")
    expected = [ad["site_ad_id"] for ad in reversed(sites.corpus.site_ads("prikbord"))]
    assert ids == expected
    assert pages == -(-len(expected) // 20) and pages > 1
    assert client.get(f"{sites.prikbord_url}/ads?page={pages}").status_code == 200
    assert client.get(f"{sites.prikbord_url}/ads?page={pages + 1}").status_code == 404
    assert client.get(f"{sites.prikbord_url}/ads?page=0").status_code == 404


def test_detail_page_contract_matches_the_corpus(sites, client):
    for ad in sites.corpus.site_ads("prikbord")[:15]:
        res = client.get(ad["url"])
        assert res.status_code == 200
        article = Selector(text=res.text).css("article.ad")
        assert article.attrib["data-ad-id"] == ad["site_ad_id"]
        assert article.css("h1.ad-title::text").get() == ad["title"]
        assert article.css("time.posted::attr(datetime)").get() == ad["posted_at"]
        assert article.css("span.city::text").get() == ad["city"]
        body = "\n".join(t.strip("\n") for t in article.css("div.ad-body::text").getall())
        assert body == ad["body"]
        srcs = article.css("div.photos img.photo::attr(src)").getall()
        assert [urljoin(ad["url"], s) for s in srcs] == ad["images"]


def test_ad_text_is_html_escaped():
    from devtools.fixture_sites.pages import prikbord_detail

    ad = {
        "site_ad_id": "p00001",
        "title": "<b>x</b>",
        "body": "a & <script>1</script>\nb",
        "city": "Utrecht",
        "posted_at": "2025-03-03T08:00:00Z",
    }
    html = prikbord_detail(ad, [])
    assert (
        "<script>1" not in html
        and "&lt;script&gt;" in html
        and "&amp;" in html
        and "a &amp; &lt;script&gt;1&lt;/script&gt;<br>" in html
    )


def test_photos_are_served_in_their_own_format_and_unknown_ones_are_404(sites, client):
    ad = sites.corpus.site_ads("prikbord")[0]
    spec = sites.corpus.photos[sites.corpus.truth_for(ad["id"])["photos"][0]]
    res = client.get(ad["images"][0])
    assert res.status_code == 200 and res.headers["content-type"] == profile(spec).content_type
    assert Image.open(io.BytesIO(res.content)).size == (profile(spec).width, profile(spec).height)
    wrong_ext = ad["images"][0].rsplit(".", 1)[0] + (".png" if profile(spec).ext != "png" else ".jpg")
    assert client.get(wrong_ext).status_code == 404
    assert client.get(f"{sites.prikbord_url}/img/does-not-exist.png").status_code == 404


def test_photos_are_served_from_the_disk_cache_rendered_before_the_first_request(sites, client):
    """start_sites renders every photo of the corpus into var/fixture-photos first; the server only reads."""
    ad = sites.corpus.site_ads("prikbord")[1]
    spec = sites.corpus.photos[sites.corpus.truth_for(ad["id"])["photos"][0]]
    assert all(photo_path(s).is_file() for s in sites.view("prikbord").photos.values())
    assert client.get(ad["images"][0]).content == photo_path(spec).read_bytes()
    assert prerender(sites.view("prikbord").photos.values()) == 0  # nothing left to draw


def test_search_filters_case_and_accent_insensitively(sites, client):
    ads = sites.corpus.site_ads("prikbord")
    city = ads[0]["city"]
    res = client.get(f"{sites.prikbord_url}/search", params={"q": city.upper()})
    assert res.status_code == 200
    sel = Selector(text=res.text)
    assert sel.css('form.search[action="/search"]')
    found = []
    url = str(res.url)
    while True:
        sel = Selector(text=client.get(url).text)
        found += sel.css("li.ad-card::attr(data-ad-id)").getall()
        nxt = sel.css("a.next::attr(href)").get()
        if not nxt:
            break
        url = urljoin(url, nxt)
    expected = {a["site_ad_id"] for a in ads if city.lower() in (a["title"] + a["body"]).lower()}
    assert set(found) == expected and len(found) == len(expected)
    # Accent-insensitive: "tweeentwintig" also finds "tweeëntwintig" when present.
    accented = [a for a in ads if "ë" in a["body"]]
    if accented:
        word = next(w for w in accented[0]["body"].split() if "ë" in w).strip(".,!")
        hits = Selector(text=client.get(f"{sites.prikbord_url}/search", params={"q": word.replace("ë", "e")}).text)
        assert accented[0]["site_ad_id"] in hits.css("li.ad-card::attr(data-ad-id)").getall() or len(accented) > 20
    none = Selector(text=client.get(f"{sites.prikbord_url}/search", params={"q": "zzqqxx"}).text)
    assert none.css("li.ad-card") == [] and none.css("p.empty")


def test_unknown_paths_and_robots(sites, client):
    assert client.get(f"{sites.prikbord_url}/ad/p99999").status_code == 404
    assert client.get(f"{sites.prikbord_url}/nothing").status_code == 404
    robots = client.get(f"{sites.prikbord_url}/robots.txt")
    assert robots.status_code == 200 and "Allow: /" in robots.text


def test_request_log_records_method_path_and_status(sites, client):
    sites.clear_log()
    client.get(f"{sites.prikbord_url}/ads?page=1")
    client.get(f"{sites.prikbord_url}/ad/p99999")
    assert [(r.site, r.method, r.path, r.status) for r in sites.request_log] == [
        ("prikbord", "GET", "/ads?page=1", 200),
        ("prikbord", "GET", "/ad/p99999", 404),
    ]
