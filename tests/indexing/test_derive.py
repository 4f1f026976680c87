"""derive_fields: the flat fields every writer of an ad recomputes."""

from __future__ import annotations

from indexing.derive import derive_fields


def test_codes_handles_geo_images_priority():
    doc = {
        "images": ["http://127.0.0.1:8000/a.png", {"url": "http://127.0.0.1:8000/b.png", "sha256": "ab"}],
        "entities": {
            "handles": [{"platform": "Telegram", "handle": "Lina_7"}, {"platform": "x"}],
            "locations": [{"name": "Delft", "lat": 52.01, "lon": 4.36}, {"name": "Nergens"}],
        },
        "indicators": [{"code": "TRAF_HOTEL"}, {"code": "MINOR_STATED_AGE"}, {"code": "TRAF_HOTEL"}],
        "link_indicators": [{"code": "TRAF_SHARED_CONTACT", "weight": 0.6}],
        "risk": {"priority": 0.2},
    }
    derive_fields(doc)
    assert doc["indicator_codes"] == ["MINOR_STATED_AGE", "TRAF_HOTEL", "TRAF_SHARED_CONTACT"]
    assert doc["handle_keys"] == ["telegram:lina_7"]
    assert doc["geo"] == [{"lat": 52.01, "lon": 4.36}]
    assert doc["images"][0] == {"url": "http://127.0.0.1:8000/a.png"}
    assert doc["images"][1]["sha256"] == "ab"
    assert 0.2 < doc["priority"] <= 1.0


def test_empty_record_gets_empty_derived_fields():
    doc = derive_fields({"id": "s:1"})
    assert doc["indicator_codes"] == [] and doc["handle_keys"] == [] and doc["geo"] == []
    assert doc["priority"] == 0.0
