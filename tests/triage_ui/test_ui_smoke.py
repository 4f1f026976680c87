"""Smoke: login, queue, ad page render against real ES."""

import pytest
from ui_helpers import csrf_from

pytestmark = pytest.mark.es


def test_queue_and_ad_render(client_for):
    client, _ = client_for("analyst1")
    resp = client.get("/queue")
    assert resp.status_code == 200
    assert "undecided in total" in resp.text
    resp = client.get("/ads/prikbord:1001")
    assert resp.status_code == 200, resp.text[:2000]
    assert csrf_from(resp.text)
