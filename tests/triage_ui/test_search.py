"""Search (text, phone in any format), saved searches/watches, inbox alerts, network, dashboards, ML."""

import re

import pytest

from tests.triage_ui import fixture_ads
from triage_ui.store import breakdowns
from triage_ui.store.search import SearchError, normalize_phone, parse

pytestmark = pytest.mark.es


@pytest.mark.parametrize(
    "raw", ["06-1234 0001", "0612340001", "+31 6 1234 0001", "0031 6 12340001", "+31 (0)6-1234 0001"]
)
def test_phone_any_format_to_e164(raw):
    assert normalize_phone(raw) == "+31612340001"


def test_bad_inputs_are_one_line_errors():
    with pytest.raises(SearchError):
        parse("phone", "not a number")
    with pytest.raises(SearchError):
        parse("text", "   ")


def test_phone_search_is_posted_and_finds_ads(client_for):
    client, csrf = client_for("investigator1")
    resp = client.post("/search", data={"csrf_token": csrf, "kind": "phone", "q": "06 1234 0001"})
    assert resp.status_code == 200
    for ad_id in ("prikbord:1003", "prikbord:1004", "prikbord:1005"):
        assert ad_id in resp.text
    assert "prikbord:1006" not in resp.text


def _found(html: str) -> tuple[int, set[str]]:
    """The hit count a search page states and the ads it lists."""
    total = re.search(r"<h2>(\d+) ads</h2>", html)
    assert total, "not a results page"
    return int(total.group(1)), set(re.findall(r'href="/ads/([^"]+)"', html))


def _fixture_ids(match) -> set[str]:
    return {ad["id"] for ad in fixture_ads.make_ads() if match(ad["title"] + " " + ad["body"])}


def test_text_search_syntax_is_safe(client_for):
    client, csrf = client_for("investigator1")

    def search(q: str) -> tuple[int, set[str]]:
        resp = client.post("/search", data={"csrf_token": csrf, "kind": "text", "q": q})
        assert resp.status_code == 200
        return _found(resp.text)

    hotel_not_utrecht = _fixture_ids(lambda text: "alleen hotel" in text and "Utrecht" not in text)
    assert hotel_not_utrecht and search('"alleen hotel" -Utrecht') == (len(hotel_not_utrecht), hotel_not_utrecht)
    # Malformed syntax is never an error page and never raw DSL: it degrades to the words it holds.
    hotel = _fixture_ids(lambda text: "hotel" in text)
    assert search('"hotel') == search("hotel") == (len(hotel), hotel)
    for q in ['"unclosed', "((((", '{"match_all":{}}', "body:*"]:
        assert search(q) == (0, set()), q  # match_all as DSL would list every ad


def test_text_search_finds_inflected_forms_in_the_ads_language(client_for, ui_ctx, es):
    if (
        es.indices.get_mapping(index=ui_ctx.alias("ads")).body.popitem()[1]["mappings"]["_meta"].get("text_analysis")
        != "hunspell"
    ):
        pytest.skip("this cluster has no Hunspell dictionaries (a node from `signaal es up` has them)")
    ads = [
        {"id": "prikbord:8801", "site": "prikbord", "language": "nl", "title": "Lief meisje, 22, Zwolle"},
        {"id": "prikbord:8802", "site": "prikbord", "language": "en", "title": "Two girls visiting Delft"},
    ]
    for ad in ads:
        es.index(index=ui_ctx.alias("ads"), id=ad["id"], document={**ad, "priority": 0.1}, refresh="wait_for")
    client, csrf = client_for("investigator1")
    found = {
        q: client.post("/search", data={"csrf_token": csrf, "kind": "text", "q": q}).text for q in ("meisjes", "girl")
    }
    assert "prikbord:8801" in found["meisjes"] and "prikbord:8802" not in found["meisjes"]
    assert "prikbord:8802" in found["girl"] and "prikbord:8801" not in found["girl"]


def test_watch_feeds_inbox_with_new_ads_only(client_for, ui_ctx):
    client, csrf = client_for("investigator1")
    client.post("/search/save", data={"csrf_token": csrf, "kind": "phone", "q": "06-1234 0099", "name": "watch 99"})
    client.post("/inbox/refresh", data={"csrf_token": csrf})
    assert "No alerts" in client.get("/inbox").text  # nothing new since the watch was made
    ad = {
        "id": "prikbord:9999",
        "site": "prikbord",
        "title": "Nieuw, 21, Utrecht",
        "body": "Bel 06-1234 0099.",
        "entities": {"phones": ["+31612340099"]},
        "indexed_at": "2099-01-01T00:00:00Z",
        "crawl": {"first_seen": "2099-01-01T00:00:00Z"},
        "priority": 0.1,
    }
    ui_ctx.es.index(index=ui_ctx.alias("ads"), id=ad["id"], document=ad, refresh="wait_for")
    assert "prikbord:9999" not in client.get("/inbox").text  # finding 8: a GET changes nothing
    client.post("/inbox/refresh", data={"csrf_token": csrf})
    page = client.get("/inbox").text
    assert "prikbord:9999" in page and "watch 99" in page
    other, _ = client_for("admin1")
    assert "prikbord:9999" not in other.get("/inbox").text  # inboxes are per user


def test_saved_search_is_owner_only(client_for, ui_ctx):
    owner, csrf = client_for("investigator1")
    owner.post("/search/save", data={"csrf_token": csrf, "kind": "text", "q": "hotel", "name": "mine"})
    mine = {"bool": {"filter": [{"term": {"user": "investigator1"}}, {"term": {"name.raw": "mine"}}]}}
    (saved,) = ui_ctx.es.search(index=ui_ctx.alias("saved-searches"), query=mine)["hits"]["hits"]
    saved_id = saved["_id"]
    thief, csrf2 = client_for("admin1")
    assert thief.post(f"/saved/{saved_id}/delete", data={"csrf_token": csrf2}).status_code == 404
    ran = owner.post(f"/saved/{saved_id}/run", data={"csrf_token": csrf})
    assert ran.status_code == 200
    hotel = _fixture_ids(lambda text: "hotel" in text)
    assert _found(ran.text) == (len(hotel), hotel)


def test_network_page(client_for):
    client, _ = client_for("analyst1")
    resp = client.get("/networks/c1")
    assert resp.status_code == 200
    assert set(re.findall(r'href="/ads/([^"]+)"', resp.text)) == {"prikbord:1003", "prikbord:1004", "prikbord:1005"}
    assert "<svg" in resp.text and "+31612340001" in resp.text


def test_dashboards_render_svg(client_for):
    client, _ = client_for("analyst1")
    resp = client.get("/dashboards", params={"days": 365})
    assert resp.status_code == 200 and "TRAF" in resp.text
    # Ad charts (and the per-gender share of each signal: every ad counts, as "unknown" when it names no
    # gender) are drawn; the three decision charts say "No data." (nobody decides in this module).
    drawn = re.findall(r'<svg [^>]*aria-label="([^"]+)"', resp.text)
    by_gender = [f"Ads with {signal} signals per 100 ads, by gender" for signal in breakdowns.SIGNALS]
    assert drawn == ["Ads first seen per day", "Ads by indicator", "Ads by city", "Minor signals by city", *by_gender]
    assert resp.text.count("No data.") == 3


def test_ml_pages_are_ml_only(client_for):
    client, _ = client_for("mlstaff")
    resp = client.get("/ml")
    assert resp.status_code == 200 and "Label queue" in resp.text
    analyst, _ = client_for("analyst1")
    assert analyst.get("/ml").status_code == 403
