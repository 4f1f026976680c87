"""The JavaScript site in a real browser (Debian's chromium through Playwright)."""

from __future__ import annotations

import pytest

from devtools.fixture_sites import start_sites
from signaal.chromium import CHROMIUM_PATH, LAUNCH_ARGS

pytestmark = pytest.mark.browser


def test_vitrine_renders_listing_and_detail_in_chromium():
    from playwright.sync_api import sync_playwright

    with start_sites(seed=5, n_ads=60) as sites, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM_PATH, args=LAUNCH_ARGS)
        try:
            page = browser.new_page()
            page.goto(sites.vitrine_url + "/")
            page.wait_for_selector("body[data-ready='1']")
            ads = list(reversed(sites.corpus.site_ads("vitrine")))
            cards = page.locator("#app div.card")
            assert cards.count() == 20
            first = cards.nth(0)
            assert first.get_attribute("data-ad-id") == ads[0]["site_ad_id"]
            assert first.locator("a.card-link").inner_text() == ads[0]["title"]
            assert page.locator("a.next").get_attribute("href") == "/?page=2"

            page.goto(f"{sites.vitrine_url}/?page=2")
            page.wait_for_selector("body[data-ready='1']")
            assert page.locator("div.card").first.get_attribute("data-ad-id") == ads[20]["site_ad_id"]

            ad = ads[3]
            page.goto(f"{sites.vitrine_url}/ad/{ad['site_ad_id']}")
            page.wait_for_selector("body[data-ready='1']")
            section = page.locator("section.ad-detail")
            assert section.get_attribute("data-ad-id") == ad["site_ad_id"]
            assert section.locator("h2.title").inner_text() == ad["title"]
            assert section.locator("span.place").inner_text() == ad["city"]
            assert section.locator("time").get_attribute("datetime") == ad["posted_at"]
            assert section.locator("div.text").text_content() == ad["body"]
            srcs = [img.get_attribute("src") for img in section.locator("img.pic").all()]
            assert [sites.vitrine_url + s for s in srcs] == ad["images"]
        finally:
            browser.close()
