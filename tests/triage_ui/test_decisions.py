"""Decisions: append-only decision docs, triage block, optimistic concurrency, bulk, assign."""

import html

import pytest

pytestmark = pytest.mark.es


def _ad_token(page_html: str) -> str:
    return html.unescape(page_html.split('name="token" value="')[1].split('"')[0])


def _selected(page_html: str) -> list[str]:
    return [html.unescape(v.split('"')[0]) for v in page_html.split('name="selected" value="')[1:]]


def test_decision_writes_doc_and_triage(client_for, ui_ctx):
    client, csrf = client_for("analyst1")
    token = _ad_token(client.get("/ads/prikbord:1003").text)
    resp = client.post(
        "/ads/prikbord:1003/decision",
        follow_redirects=False,
        data={
            "csrf_token": csrf,
            "token": token,
            "decision": "escalate_minor",
            "label_minor": "yes",
            "label_trafficking": "unknown",
            "notes": "age 17 claimed in linked ad",
        },
    )
    assert resp.status_code == 303 and resp.headers["location"].startswith("/ads/")
    triage = ui_ctx.es.get(index=ui_ctx.alias("ads"), id="prikbord:1003")["_source"]["triage"]
    assert triage["status"] == "escalate_minor" and triage["decided_by"] == "analyst1"
    assert triage["labels"] == {"minor": "yes", "trafficking": "unknown"}
    ui_ctx.es.indices.refresh(index=ui_ctx.alias("decisions"))
    docs = ui_ctx.es.search(index=ui_ctx.alias("decisions"), query={"term": {"ad_id": "prikbord:1003"}})
    [doc] = [h["_source"] for h in docs["hits"]["hits"]]
    assert doc["user"] == "analyst1" and doc["role"] == "analyst" and doc["cluster_id"] == "c1"


def test_second_analyst_gets_conflict(client_for, ui_ctx):
    first, csrf1 = client_for("analyst1")
    second, csrf2 = client_for("analyst2")
    token1 = _ad_token(first.get("/ads/prikbord:1004").text)
    token2 = _ad_token(second.get("/ads/prikbord:1004").text)
    ok = first.post(
        "/ads/prikbord:1004/decision",
        follow_redirects=False,
        data={"csrf_token": csrf1, "token": token1, "decision": "lead"},
    )
    assert ok.status_code == 303
    clash = second.post(
        "/ads/prikbord:1004/decision",
        follow_redirects=False,
        data={"csrf_token": csrf2, "token": token2, "decision": "not_relevant"},
    )
    assert clash.status_code == 409 and "Someone else decided this ad" in clash.text and "analyst1" in clash.text
    triage = ui_ctx.es.get(index=ui_ctx.alias("ads"), id="prikbord:1004")["_source"]["triage"]
    assert triage["status"] == "lead" and triage["decided_by"] == "analyst1"


def test_unrelated_update_is_not_a_conflict(client_for, ui_ctx):
    """A rescore touching ``priority`` between render and decide must not block the analyst."""
    client, csrf = client_for("analyst1")
    token = _ad_token(client.get("/ads/prikbord:1005").text)
    ui_ctx.es.update(index=ui_ctx.alias("ads"), id="prikbord:1005", doc={"priority": 0.42}, refresh="wait_for")
    resp = client.post(
        "/ads/prikbord:1005/decision",
        follow_redirects=False,
        data={"csrf_token": csrf, "token": token, "decision": "needs_review"},
    )
    assert resp.status_code == 303


def test_bulk_decide_and_assign(client_for, ui_ctx):
    client, csrf = client_for("investigator1")
    page = client.get("/queue", params={"status": "new"}).text
    tokens = _selected(page)[:3]
    resp = client.post("/queue/bulk", data={"csrf_token": csrf, "action": "assign", "selected": tokens})
    assert resp.status_code == 200 and "3 ad(s) updated" in resp.text
    mine = client.get("/queue", params={"assigned": "me"}).text
    assert mine.count('name="selected"') == 3
    fresh = _selected(mine)
    resp = client.post("/queue/bulk", data={"csrf_token": csrf, "action": "not_relevant", "selected": fresh})
    assert "3 ad(s) updated" in resp.text
    # the stale tokens from before the assignment now conflict
    resp = client.post("/queue/bulk", data={"csrf_token": csrf, "action": "lead", "selected": tokens})
    assert resp.status_code == 409 and "changed by someone else" in resp.text


def test_ml_role_cannot_decide_or_read_full_ads(client_for):
    """Finding 8: the ML role sees the model's view of an ad, never its text, contacts or photos."""
    client, csrf = client_for("mlstaff")
    assert client.get("/ads/prikbord:1006").status_code == 403
    assert client.get("/ads/prikbord:1006/images/0").status_code == 403
    for path in ("/ads/prikbord:1006/archive", "/queue", "/search", "/map"):  # no archived pages, queue or search
        assert client.get(path).status_code == 403, path
    view = client.get("/ml/ads/prikbord:1006")
    assert view.status_code == 200 and "TRAF_" in view.text
    for private in ("+3161234", "06-1234", "Hoi, ik ben", "telegram", "127.0.0.1:8701", "warc"):
        assert private not in view.text, private
    resp = client.post("/ads/prikbord:1006/decision", data={"csrf_token": csrf, "token": "[]", "decision": "lead"})
    assert resp.status_code == 403
