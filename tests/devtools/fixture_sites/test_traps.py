"""Sites that trap or change under a crawler: pagination traps, a changed layout, robots.txt that disallows."""

from __future__ import annotations

import httpx
import pytest
from parsel import Selector

from devtools.fixture_sites import start_sites
from devtools.fixture_sites.faults import FaultConfigError, load_faults
from devtools.fixture_sites.pages import PAGE_SIZE
from tests.helpers import DEADLINE_S

N_ADS = 60  # ~30 per site: 2 listing pages each


def _listing(client: httpx.Client, url: str) -> tuple[list[str], str | None]:
    sel = Selector(text=client.get(url).text)
    return sel.css("li.ad-card::attr(data-ad-id)").getall(), sel.css("a[rel=next]::attr(href)").get()


@pytest.mark.parametrize("mode", ["empty", "repeat", "loop"])
def test_pagination_traps_keep_a_next_link_past_the_last_page(mode):
    faults = {"prikbord": {"/ads": {"kind": "pagination_trap", "mode": mode}}}
    with start_sites(seed=9, n_ads=N_ADS, faults=faults) as sites, httpx.Client(timeout=DEADLINE_S) as client:
        ads = sites.corpus.site_ads("prikbord")
        last = -(-len(ads) // PAGE_SIZE)
        _, next_of_last = _listing(client, f"{sites.prikbord_url}/ads?page={last}")
        past, next_of_past = _listing(client, f"{sites.prikbord_url}/ads?page={last + 5}")
    if mode == "loop":
        assert next_of_last == "/ads?page=1"
        return
    assert next_of_last == f"/ads?page={last + 1}" and next_of_past == f"/ads?page={last + 6}"
    expected = [] if mode == "empty" else [a["site_ad_id"] for a in reversed(ads)][(last - 1) * PAGE_SIZE :]
    assert past == expected


def test_a_json_api_trap_claims_one_more_page_forever():
    faults = {"vitrine": {"/api/ads": {"kind": "pagination_trap"}}}
    with start_sites(seed=9, n_ads=N_ADS, faults=faults) as sites, httpx.Client(timeout=DEADLINE_S) as client:
        data = client.get(f"{sites.vitrine_url}/api/ads", params={"page": 40}).json()
    assert data == {"items": [], "page": 40, "pages": 41}


def test_changed_layout_keeps_the_ad_under_new_names_and_patterns_match_prefixes():
    faults = {"/ad/*": {"kind": "changed_layout"}, "vitrine": {"/api/ads/*": {"kind": "changed_layout"}}}
    with start_sites(seed=9, n_ads=N_ADS, faults=faults) as sites, httpx.Client(timeout=DEADLINE_S) as client:
        ad = sites.corpus.site_ads("prikbord")[0]
        page = Selector(text=client.get(ad["url"]).text)
        assert not page.css("h1.ad-title") and page.css("h1.listing-heading::text").get() == ad["title"]
        assert page.css("div.ad-body") and client.get(f"{sites.prikbord_url}/ads").status_code == 200
        api = client.get(f"{sites.vitrine_url}/api/ads/{sites.corpus.site_ads('vitrine')[0]['site_ad_id']}").json()
        assert "title" not in api and api["headline"]
    assert load_faults(faults).lookup("prikbord", "/ads") is None


def test_robots_txt_disallows_the_configured_paths():
    faults = {"prikbord": {"/robots.txt": {"kind": "robots_disallow", "paths": ["/ad/p0001", "/img/"]}}}
    with start_sites(seed=9, n_ads=N_ADS, faults=faults) as sites, httpx.Client(timeout=DEADLINE_S) as client:
        robots = client.get(f"{sites.prikbord_url}/robots.txt").text
        plain = client.get(f"{sites.vitrine_url}/robots.txt").text
    assert robots == "User-agent: *\nDisallow: /ad/p0001\nDisallow: /img/\nAllow: /\n"
    assert plain == "User-agent: *\nAllow: /\n"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"/ads": {"kind": "pagination_trap", "mode": "sideways"}}, "mode must be one of empty, repeat, loop"),
        ({"/robots.txt": {"kind": "robots_disallow", "paths": "/ad/"}}, "paths must be a list"),
    ],
)
def test_bad_trap_settings_give_one_line_errors(raw, message):
    with pytest.raises(FaultConfigError, match=message):
        load_faults(raw)
