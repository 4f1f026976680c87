"""Photo GPS positions as a link key on a real Elasticsearch: an ad crawled later links to an earlier one whose
photo was taken a few metres away, incrementally exactly as in a full rebuild, with the distance as reason."""

from __future__ import annotations

import pytest
from elasticsearch import helpers

from indexing.indexer import index_ads
from linking.explain import related
from linking.run import link

pytestmark = pytest.mark.es
HOME = (52.370180, 5.267560)


def _ad(n: int, lat: float, lon: float) -> dict:
    """Different texts, names, phones and photo files: only where the photo was taken ties them together."""
    exif = {"present": True, "camera": "Lumora L5", "gps": {"lat": lat, "lon": lon}}
    return {
        "id": f"gpssite:{n:03d}",
        "site": "gpssite",
        "title": f"Advertentie {n}",
        "body": f"Tekst nummer {n} " * n,
        "entities": {"phones": [f"+3161234{n:04d}"], "names": [f"Naam{n}"]},
        "images": [{"url": f"http://127.0.0.1:1/img/{n}.jpg", "sha256": f"{n:064x}", "exif": exif}],
        "crawl": {"first_seen": "2025-05-01T00:00:00Z"},
    }


def _state(es, prefix):
    ads = {h["_id"]: h["_source"]["cluster"] for h in helpers.scan(es, index=f"{prefix}-ads", query={})}
    links = {
        h["_id"]: {k: v for k, v in h["_source"].items() if k != "created_at"}
        for h in helpers.scan(es, index=f"{prefix}-links", query={"query": {"exists": {"field": "ad_ids"}}})
    }
    return ads, links


def test_photos_taken_metres_apart_link_incrementally_as_in_a_rebuild(es, fresh_index_prefix):
    index_ads(es, [_ad(1, *HOME), _ad(2, 52.380000, 5.267560)], refresh=True)  # 2: ~1 km away
    assert link(es).mode == "full"
    index_ads(es, [_ad(3, HOME[0] + 0.00018, HOME[1] + 0.00010)], refresh=True)  # 21 m from ad 1
    assert link(es).mode == "incremental"
    incremental = _state(es, fresh_index_prefix)
    link(es, full=True)
    assert _state(es, fresh_index_prefix) == incremental

    clusters, links = incremental
    assert clusters["gpssite:001"]["id"] == clusters["gpssite:003"]["id"] != clusters["gpssite:002"]["id"]
    (gps_link,) = [doc for doc in links.values() if doc["kind"] == "photo_gps"]
    assert gps_link["ad_ids"] == ["gpssite:001", "gpssite:003"] and gps_link["distance"] == 21
    explained = related(es, "gpssite:003")
    assert [(x["kind"], x["other_ad_ids"]) for x in explained["links"]] == [("photo_gps", ["gpssite:001"])]
    assert explained["links"][0]["reason"].startswith("photos taken 21 m apart (EXIF GPS 52.370180,5.267560 / ")
    doc = es.get(index=f"{fresh_index_prefix}-ads", id="gpssite:003")["_source"]
    assert doc["photo_places"] and all(p.startswith("g50:") for p in doc["photo_places"])
