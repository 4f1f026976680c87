"""vitrine over real HTTP: the HTML holds no ad content; the JSON API holds all of it."""

from __future__ import annotations

import httpx
from parsel import Selector

from devtools.fixture_sites.images import profile, render_photo
from tests.helpers import DEADLINE_S


def test_html_shell_contains_no_ad_text(sites):
    ads = sites.corpus.site_ads("vitrine")
    with httpx.Client(timeout=DEADLINE_S) as client:
        for path in ("/", "/?page=2", f"/ad/{ads[0]['site_ad_id']}"):
            res = client.get(sites.vitrine_url + path)
            assert res.status_code == 200
            sel = Selector(text=res.text)
            assert sel.css("div#app").get() == '<div id="app"></div>'
            assert sel.css('script[src="/static/app.js"]')
            for ad in ads:
                assert ad["title"] not in res.text and ad["site_ad_id"] not in res.text
        js = client.get(sites.vitrine_url + "/static/app.js")
        assert js.status_code == 200 and "textContent" in js.text and ".innerHTML" not in js.text
        assert client.get(sites.vitrine_url + "/ad/v99999").status_code == 404


def test_api_pages_cover_every_ad_and_details_match(sites):
    ads = sites.corpus.site_ads("vitrine")
    with httpx.Client(timeout=DEADLINE_S) as client:
        seen, page, pages = [], 1, None
        while pages is None or page <= pages:
            data = client.get(f"{sites.vitrine_url}/api/ads", params={"page": page}).json()
            assert data["page"] == page and len(data["items"]) <= 20
            seen += [item["id"] for item in data["items"]]
            pages = data["pages"]
            page += 1
        assert seen == [ad["site_ad_id"] for ad in reversed(ads)]
        assert client.get(f"{sites.vitrine_url}/api/ads", params={"page": pages + 1}).status_code == 404
        for ad in ads[:10]:
            data = client.get(f"{sites.vitrine_url}/api/ads/{ad['site_ad_id']}").json()
            assert (data["id"], data["title"], data["text"], data["city"], data["posted_at"]) == (
                ad["site_ad_id"],
                ad["title"],
                ad["body"],
                ad["city"],
                ad["posted_at"],
            )
            assert [sites.vitrine_url + p for p in data["photos"]] == ad["images"]
            photo = client.get(sites.vitrine_url + data["photos"][0])
            spec = sites.corpus.photos[sites.corpus.truth_for(ad["id"])["photos"][0]]
            assert photo.headers["content-type"] == profile(spec).content_type
            assert photo.content == render_photo(spec)
        missing = client.get(f"{sites.vitrine_url}/api/ads/v99999")
        assert missing.status_code == 404 and missing.json()["error"]
