"""Smoke: login, queue, ad page render against real ES."""

import pytest

from tests.triage_ui.helpers import csrf_from

pytestmark = pytest.mark.es


def test_queue_and_ad_render(client_for):
    client, _ = client_for("analyst1")
    resp = client.get("/queue")
    assert resp.status_code == 200
    assert "undecided in total" in resp.text
    resp = client.get("/ads/prikbord:1001")
    assert resp.status_code == 200, resp.text[:2000]
    assert csrf_from(resp.text)


def test_bad_filter_is_a_page_not_a_traceback(client_for):
    client, _ = client_for("analyst1")
    resp = client.get("/queue", params={"risk_min": "lots"})
    assert resp.status_code == 422 and "risk_min" in resp.text and "Traceback" not in resp.text
    assert resp.headers["content-type"].startswith("text/html")
