"""The related-ads panel: verified links from the links index merged with live shared values."""

from __future__ import annotations

import pytest

from triage_ui.store import ads as ads_store

pytestmark = pytest.mark.es


def _ad(ui_ctx, ad_id: str) -> dict:
    return ui_ctx.es.get(index=ui_ctx.alias("ads"), id=ad_id)["_source"]


def test_live_shared_phone_shows_without_any_linking_run(ui_ctx):
    related = {r["id"]: r["reasons"] for r in ads_store.related(ui_ctx, _ad(ui_ctx, "prikbord:1000"))}
    assert "same phone: +31612340000" in related["prikbord:1001"]
    assert "same phone: +31612340000" in related["prikbord:1002"]


def test_near_identical_photo_from_the_links_index_is_shown_with_its_distance(ui_ctx, client_for, es):
    links = ui_ctx.alias("links")  # written as admin: linking writes links, the UI only reads them
    doc = {"kind": "image_phash", "ad_ids": ["prikbord:1003", "prikbord:1010"], "distance": 4, "reason": "test"}
    es.index(index=links, id="test-phash-link", document=doc, refresh=True)
    try:
        related = {r["id"]: r for r in ads_store.related(ui_ctx, _ad(ui_ctx, "prikbord:1003"))}
        assert related["prikbord:1010"]["reasons"] == ["similar photo (4/64 bits differ)"]
        assert related["prikbord:1010"]["title"] == _ad(ui_ctx, "prikbord:1010")["title"]
        priorities = [r["priority"] or 0.0 for r in related.values()]
        assert priorities == sorted(priorities, reverse=True)

        client, _ = client_for("analyst1")
        page = client.get("/ads/prikbord:1003")
        assert page.status_code == 200 and "similar photo (4/64 bits differ)" in page.text
    finally:
        es.delete(index=links, id="test-phash-link", refresh=True)
