"""derive_fields: the flat fields every writer of an ad recomputes."""

from __future__ import annotations

import pytest

from indexing.derive import derive_fields
from models.config import rules_config


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
    # risk 0.2 raised by the one link indicator, as models.priority documents it
    assert doc["priority"] == pytest.approx(1 - (1 - 0.2) * (1 - rules_config().link_scale * 0.6))


def test_empty_record_gets_empty_derived_fields():
    doc = derive_fields({"id": "s:1"})
    assert doc["indicator_codes"] == [] and doc["handle_keys"] == [] and doc["geo"] == []
    assert doc["priority"] == 0.0
