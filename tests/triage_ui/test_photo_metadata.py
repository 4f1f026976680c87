"""Photo metadata as evidence in the UI, through the real Elasticsearch: search by camera and by position,
the ad page's photo facts and GPS signal, related ads by linking's photo rules, crawl status for admins."""

from __future__ import annotations

import copy

import pytest

from crawler.runreport import record_run
from linking.config import default_config
from linking.keys import photo_chunk_keys
from tests.triage_ui import fixture_ads
from triage_ui.store import ads as ads_store
from triage_ui.store.search import SearchError, parse

pytestmark = pytest.mark.es
HOME = (52.370180, 5.267560)
METRE = 1 / 111_195  # degrees of latitude


def _photo(n: int, *, phash: str, exif: dict | None = None, **extra) -> dict:
    image = {"url": f"http://127.0.0.1:8701/img/p{n}.jpg", "sha256": f"{n:064x}", "phash": phash, "format": "jpeg"}
    return {**image, "width": 1600, "height": 1200, **({"exif": exif} if exif else {}), **extra}


def _camera(make: str, model: str, lat: float | None = None, lon: float | None = None) -> dict:
    exif = {"present": True, "make": make, "model": model, "camera": f"{make} {model}", "orientation": 1}
    exif["taken_at"] = "2024-11-16T08:27:08+01:00"
    return exif | ({"gps": {"lat": lat, "lon": lon}} if lat is not None else {})


@pytest.fixture(scope="module")
def photo_ads(ui_app, es, index_prefix):
    """Five ads 2000-2004 whose only ties are their photos (own phones, names, clusters)."""
    base = fixture_ads.make_ads()[0]
    cfg = default_config()
    specs = {
        2000: [_photo(1, phash="ffd8000000000000", exif=_camera("Lumora", "L7 Pro", *HOME))],
        2001: [
            _photo(2, phash="ffd8000000000007", exif=_camera("Lumora", "L7 Pro", HOME[0] + 30 * METRE, HOME[1])),
            _photo(3, phash="0123456789abcdef", exif={"present": False}),
        ],
        2002: [_photo(4, phash="00ff00ff00ff00ff", exif=_camera("Fotivo", "FX-20", HOME[0] + 2000 * METRE, HOME[1]))],
        2003: [{"url": "http://127.0.0.1:8701/img/bomb.png", "sha256": "b" * 64, "error": "decompression_bomb"}],
        # 9 bits from 2000's hash but sharing a multi-index chunk with it: a candidate, not similar by the rule
        2004: [_photo(5, phash="ffd80000000001ff")],
    }
    ads = []
    for n, images in specs.items():
        ad = copy.deepcopy(base) | {"id": f"prikbord:{n}", "title": f"Foto-advertentie {n}", "images": images}
        ad["entities"] = {"phones": [f"+3161239{n}"], "names": [f"Naam{n}"]}
        ad["cluster"] = {"id": f"photo-{n}", "size": 1}
        ad["priority"] = 0.01
        if n in (2000, 2004):  # already linked once: linking wrote their multi-index photo keys
            ad["photo_chunks"] = sorted(
                {k for i in images for k in photo_chunk_keys(int(i["phash"], 16), cfg.photo.max_distance)}
            )
        ads.append(ad)
    fixture_ads.load(es, index_prefix, ads)
    return {ad["id"]: ad for ad in ads}


def _ids_found(resp) -> set[str]:
    return {f"prikbord:{n}" for n in range(2000, 2005) if f"/ads/prikbord:{n}" in resp.text}


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Lumora L7 Pro", {"prikbord:2000", "prikbord:2001"}),
        ("l7 pro", {"prikbord:2000", "prikbord:2001"}),
        ("FOTIVO", {"prikbord:2002"}),
        ("Kestrel", set()),
    ],
)
def test_all_ads_with_photos_from_this_camera(client_for, photo_ads, query, found):
    client, csrf = client_for("investigator1")
    resp = client.post("/search", data={"csrf_token": csrf, "kind": "camera", "q": query})
    assert resp.status_code == 200 and _ids_found(resp) == found


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("52.370180, 5.267560", {"prikbord:2000", "prikbord:2001"}),  # 100 m by default
        ("52.370180 5.267560 20m", {"prikbord:2000"}),
        ("52.370180;5.267560;5 km", {"prikbord:2000", "prikbord:2001", "prikbord:2002"}),
    ],
)
def test_photos_taken_near_a_place_with_a_geo_distance_query(client_for, photo_ads, query, found):
    client, csrf = client_for("investigator1")
    resp = client.post("/search", data={"csrf_token": csrf, "kind": "near", "q": query})
    assert resp.status_code == 200 and _ids_found(resp) == found


@pytest.mark.parametrize(
    "bad",
    ['52.3, 5.2", "distance": "20000km', "91, 5", "52.3, 5.2, 90km", "Utrecht", "52.3, 5.2, 0m"],
)
def test_a_position_that_is_not_numbers_is_a_one_line_error_not_a_query(client_for, photo_ads, bad):
    with pytest.raises(SearchError) as error:
        parse("near", bad)
    assert "\n" not in str(error.value)
    client, csrf = client_for("investigator1")
    resp = client.post("/search", data={"csrf_token": csrf, "kind": "near", "q": bad})
    assert resp.status_code == 400 and str(error.value).split(":")[0] in resp.text.replace("&#34;", '"')
    assert not _ids_found(resp)


def test_the_ad_page_shows_each_photo_s_metadata_and_the_gps_as_a_signal(client_for, photo_ads):
    client, _ = client_for("analyst1")
    page = client.get("/ads/prikbord:2001").text
    assert "Lumora L7 Pro" in page and "2024-11-16T08:27:08+01:00" in page and "jpeg 1600×1200" in page
    assert "📍 52.37045, 5.26756" in page and 'name="q" value="52.370450, 5.267560"' in page
    assert 'class="photo-position"' in page and "EXIF stripped" in page
    bomb = client.get("/ads/prikbord:2003").text
    assert "refused: decompression bomb" in bomb and 'class="photo-position"' not in bomb


def test_similar_photo_and_nearby_photo_reasons_follow_linking_s_rules(ui_ctx, photo_ads):
    """No links index entry exists for these ads: the live reasons use linking's Hamming distance (<= 6 bits)
    and GPS distance (<= 50 m), not exact pHash equality."""
    related = {r["id"]: r["reasons"] for r in ads_store.related(ui_ctx, photo_ads["prikbord:2001"])}
    assert related["prikbord:2000"] == ["similar photo (3/64 bits differ)", "photos taken 30 m apart (GPS)"]
    assert "prikbord:2002" not in related
    from_older = {r["id"]: r["reasons"] for r in ads_store.related(ui_ctx, photo_ads["prikbord:2000"])}
    assert "prikbord:2004" not in from_older  # found through a shared chunk, but 9 bits apart


def test_admins_see_how_crawls_ended_including_a_layout_change(client_for, ui_ctx, es, index_prefix):
    reason = (
        "site layout changed: detail.title (css 'h1.ad-title::text') matched nothing on 20 consecutive detail pages"
    )
    summary = {"site": "prikbord", "run_id": 7, "status": "layout_changed", "stop_reason": reason, "ads": 12}
    assert record_run(summary, prefix=index_prefix) is None
    es.indices.refresh(index=ui_ctx.alias("crawl-runs"))  # the UI's own user may only read crawl runs
    admin, _ = client_for("admin1")
    page = admin.get("/admin/crawls")
    assert page.status_code == 200 and "site layout changed" in page.text
    assert "detail.title (css &#39;h1.ad-title::text&#39;) matched nothing" in page.text
    analyst, _ = client_for("analyst1")
    assert analyst.get("/admin/crawls").status_code == 403
