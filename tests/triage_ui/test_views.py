"""Investigators' views on the fixture ads: gender facets and dashboards, the map, the network graph."""

from __future__ import annotations

import re

import pytest

from tests.triage_ui import fixture_ads
from tests.triage_ui.browser import BrowserUser
from triage_ui.store.ads import GENDERS

pytestmark = pytest.mark.es
ADS = fixture_ads.make_ads()


def _count(gender: str) -> int:
    return sum(1 for ad in ADS if (ad["entities"]["genders"] or ["unknown"]) == [gender])


def _facet(html: str, key: str, value: str) -> int:
    match = re.search(rf'[?;]{key}={value}[^"]*">{value}</a><span class="n">(\d+)</span>', html)
    assert match, f"no facet {key}={value}"
    return int(match.group(1))


def test_gender_is_a_queue_facet_and_filter(client_for):
    client, _ = client_for("analyst1")
    page = client.get("/queue", params={"status": "all"}).text
    for gender in GENDERS:
        assert _facet(page, "gender", gender) == _count(gender), gender
    boys = client.get("/queue", params={"status": "all", "gender": "male"}).text
    rows = re.findall(r'<tr data-href="/ads/([^"]+)"', boys)
    assert sorted(rows) == sorted(ad["id"] for ad in ADS if ad["entities"]["genders"] == ["male"])
    unknown = client.get("/queue", params={"status": "all", "gender": "unknown"}).text
    assert len(re.findall(r'<tr data-href="/ads/', unknown)) == _count("unknown")


def test_gender_is_a_search_facet(client_for):
    client, token = client_for("investigator1")
    page = client.post("/search", data={"csrf_token": token, "kind": "text", "q": "euro", "gender": "male"}).text
    assert f"<h2>{_count('male')} ads</h2>" in page
    assert 'name="gender" value="male"' in page


def test_dashboards_break_signals_down_by_gender_week_and_city(client_for):
    client, _ = client_for("analyst1")
    page = client.get("/dashboards", params={"days": 365}).text
    assert "Signals by gender and week" in page and "Signals by gender and city" in page
    assert "Ads with minor signals per 100 ads, by gender" in page
    overall = page.split("Signals by gender <small")[1].split("</table>")[0]
    cells = re.findall(r'<td class="num">(.*?)</td>', overall)
    for gender, cell in zip(GENDERS, cells, strict=True):
        ads = [ad for ad in ADS if (ad["entities"]["genders"] or ["unknown"]) == [gender]]
        minor = sum(1 for ad in ads if any(i["category"] == "minor" for i in ad["indicators"]))
        assert f">{minor}</span>" in cell and f"of {len(ads)}<" in cell, (gender, cell)


def test_map_counts_ads_per_place_and_a_click_filters_the_list(client_for):
    client, _ = client_for("investigator1")
    page = client.get("/map").text
    assert 'class="country home"' in page  # Natural Earth boundaries from the npm package
    for city in fixture_ads.CITIES:
        n = sum(1 for ad in ADS if ad["entities"]["locations"][0]["name"] == city)
        assert f"<title>{city}: {n} ad" in page, city
    utrecht = client.get("/map", params={"city": "Utrecht"}).text
    rows = re.findall(r'<tr data-href="/ads/([^"]+)"', utrecht)
    assert rows and all(ad["entities"]["locations"][0]["name"] == "Utrecht" for ad in ADS if ad["id"] in rows)
    assert len(rows) == sum(1 for ad in ADS if ad["entities"]["locations"][0]["name"] == "Utrecht")
    assert 'class="place on"' in utrecht and "<title>Rotterdam:" in utrecht  # the map keeps every place
    day = fixture_ads.NOW.date().isoformat()
    today = client.get("/map", params={"since": day, "until": day}).text
    assert len(re.findall(r'<tr data-href="/ads/', today)) == sum(
        1 for ad in ADS if ad["crawl"]["first_seen"].startswith(day)
    )


def test_network_page_shows_graph_gender_places_and_dates(client_for):
    client, _ = client_for("investigator1")
    page = client.get("/networks/c2").text
    members = [ad for ad in ADS if ad["cluster"]["id"] == "c2"]
    assert page.count('class="node"') == len(members)
    assert 'class="hub"' in page and f"same phone: {members[0]['entities']['phones'][0]}" in page
    assert "Gender (as the ads present it)" in page
    for gender in {g for ad in members for g in ad["entities"]["genders"] or ["unknown"]}:
        assert f'class="gender g-{gender}"' in page
    assert "Where this network operates" in page and "place" in page
    city = members[0]["entities"]["locations"][0]["name"]
    filtered = client.get("/networks/c2", params={"city": city}).text
    assert f"in {city}" in filtered


@pytest.mark.browser
@pytest.mark.slow
def test_in_chromium_maps_filter_lists_and_the_graph_is_drawn(browser, base_url, shots, ui_ctx):
    session = BrowserUser(browser, base_url, ui_ctx, "investigator1")
    page = session.page
    page.goto("/map")
    page.locator("svg a.place", has=page.locator("title", has_text="Utrecht:")).click()
    page.wait_for_url("**/map?city=Utrecht")
    assert page.locator("table.queue tbody tr").count() == sum(
        1 for ad in ADS if ad["entities"]["locations"][0]["name"] == "Utrecht"
    )
    page.screenshot(path=str(shots / "map.png"), full_page=True)
    page.goto("/search")
    page.fill("input[name=q]", "euro")
    page.click("#searchform button.primary")
    page.wait_for_load_state("load")
    total = page.locator("section.content h2").first.inner_text()
    page.locator("svg[data-form] a.place", has=page.locator("title", has_text="Rotterdam:")).click()
    page.wait_for_load_state("load")
    assert page.locator("section.content h2").first.inner_text() != total
    assert page.locator("input[name=city]").input_value() == "Rotterdam"
    page.goto("/networks/c2")
    assert page.locator(".graph svg a.node").count() == 3 and page.locator(".graph .hub").count() >= 1
    page.screenshot(path=str(shots / "network-graph.png"), full_page=True)
    assert session.dialogs == []
    session.context.close()
