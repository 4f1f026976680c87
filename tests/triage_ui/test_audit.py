"""Finding 4: everything a person sees or does is audited; admins filter the trail and export it.

Before: photo views, alert dismissals and conflicting assigns (409) left no audit entry.
"""

from __future__ import annotations

import csv
import html
import io

import pytest

from tests.triage_ui.helpers import post_password
from triage_ui.store import audit

pytestmark = pytest.mark.es


def _entries(ctx, **filters) -> list[dict]:
    ctx.es.indices.refresh(index=ctx.alias("audit"))
    return [h["_source"] for h in audit.browse(ctx, **filters, size=1000)["hits"]["hits"]]


def _for_request(ctx, resp) -> list[dict]:
    """The audit entries one response caused (its X-Request-ID)."""
    request_id = resp.headers["x-request-id"]
    return [e for e in _entries(ctx) if e["request_id"] == request_id]


def test_photo_views_are_audited(client_for, ui_ctx):
    client, _ = client_for("analyst1")
    resp = client.get("/ads/prikbord:1005/images/0")
    assert resp.status_code == 200
    [entry] = _for_request(ui_ctx, resp)
    assert entry["action"] == "view_photo" and entry["target_id"] == "prikbord:1005" and entry["user"] == "analyst1"
    assert entry["details"]["photo"] == 0


def test_alert_dismissals_are_audited(client_for, ui_ctx):
    client, csrf = client_for("investigator1")
    ui_ctx.es.index(
        index=ui_ctx.alias("alerts"),
        id="test-search:prikbord:1001",
        refresh=True,
        document={
            "user": "investigator1",
            "search_id": "s",
            "search_name": "s",
            "ad_id": "prikbord:1001",
            "created_at": "2026-11-20T12:00:00Z",
            "dismissed": False,
        },
    )
    resp = client.post("/inbox/test-search:prikbord:1001/dismiss", data={"csrf_token": csrf}, follow_redirects=False)
    assert resp.status_code == 303
    [entry] = _for_request(ui_ctx, resp)
    assert entry["action"] == "alert" and entry["target_id"] == "prikbord:1001" and entry["details"]["op"] == "dismiss"
    other, csrf2 = client_for("analyst1")
    resp = other.post("/inbox/test-search:prikbord:1001/dismiss", data={"csrf_token": csrf2})
    assert resp.status_code == 404 and _for_request(ui_ctx, resp)[0]["outcome"] == "not_found"


def test_conflicting_assigns_are_audited(client_for, ui_ctx):
    one, csrf1 = client_for("analyst1")
    two, csrf2 = client_for("analyst2")
    token1 = html.unescape(one.get("/ads/prikbord:1017").text.split('name="token" value="')[1].split('"')[0])
    token2 = html.unescape(two.get("/ads/prikbord:1017").text.split('name="token" value="')[1].split('"')[0])
    assert one.post("/ads/prikbord:1017/assign", data={"csrf_token": csrf1, "token": token1}).status_code == 200
    resp = two.post("/ads/prikbord:1017/assign", data={"csrf_token": csrf2, "token": token2})
    assert resp.status_code == 409
    [entry] = _for_request(ui_ctx, resp)
    assert entry["action"] == "assign" and entry["outcome"] == "conflict" and entry["user"] == "analyst2"
    # even with a fresh page, an ad assigned to someone else is not taken over by an analyst
    fresh = html.unescape(two.get("/ads/prikbord:1017").text.split('name="token" value="')[1].split('"')[0])
    resp = two.post("/ads/prikbord:1017/assign", data={"csrf_token": csrf2, "token": fresh})
    assert resp.status_code == 409 and _for_request(ui_ctx, resp)[0]["details"]["reason"] == "assigned"
    assert (
        ui_ctx.es.get(index=ui_ctx.alias("ads"), id="prikbord:1017")["_source"]["triage"]["assigned_to"] == "analyst1"
    )


@pytest.mark.parametrize(
    ("path", "action", "target"),
    [
        ("/ads/prikbord:1002", "view", "prikbord:1002"),
        ("/networks/c1", "view", "c1"),
        ("/map", "view", "map"),
        ("/queue", "view", "queue"),
        ("/dashboards", "view", "dashboards"),
        ("/inbox", "view", "inbox"),
        ("/exports", "view", "exports"),
    ],
)
def test_views_are_audited(client_for, ui_ctx, path, action, target):
    client, _ = client_for("investigator1")
    resp = client.get(path)
    assert resp.status_code == 200
    [entry] = _for_request(ui_ctx, resp)
    assert (entry["action"], entry["target_id"], entry["user"]) == (action, target, "investigator1")


def test_searches_are_audited_with_the_query(client_for, ui_ctx):
    client, csrf = client_for("investigator1")
    resp = client.post("/search", data={"csrf_token": csrf, "kind": "phone", "q": "06 1234 0001"})
    [entry] = _for_request(ui_ctx, resp)
    assert entry["action"] == "search" and entry["details"]["query"] == "+31612340001"


def test_failed_logins_and_user_admin_are_audited(client_for, ui_ctx):
    client, _ = client_for()
    resp = post_password(client, "analyst1", "not the password")
    [entry] = _for_request(ui_ctx, resp)
    assert entry["action"] == "login_failed" and entry["outcome"] == "bad_credentials"
    admin, csrf = client_for("admin1")
    resp = admin.post(
        "/admin/users",
        data={"csrf_token": csrf, "name": "audited1", "role": "analyst", "password": "lantern orchard velvet"},
        follow_redirects=False,
    )
    [entry] = _for_request(ui_ctx, resp)
    assert entry["action"] == "user_admin" and entry["details"] == {"op": "add", "role": "analyst"}
    resp = admin.post("/ml/promote", data={"csrf_token": csrf, "version": "no-such-version"})
    [entry] = [e for e in _for_request(ui_ctx, resp) if e["action"] == "promote"]
    assert entry["outcome"] == "error" and entry["target_id"] == "no-such-version"


def test_admin_filters_by_user_ad_and_time_and_exports(client_for, ui_ctx):
    analyst, _ = client_for("analyst2")
    analyst.get("/ads/prikbord:1019")
    admin, _ = client_for("admin1")
    page = admin.get("/admin/audit", params={"user": "analyst2", "target": "prikbord:1019"})
    assert page.status_code == 200 and "prikbord:1019" in page.text
    rows = _entries(ui_ctx, user="analyst2", target="prikbord:1019")
    assert rows and {r["user"] for r in rows} == {"analyst2"}
    assert _entries(ui_ctx, user="analyst2", target="prikbord:1019", until="2020-01-01") == []
    assert len(_entries(ui_ctx, user="analyst2", target="prikbord:1019", since="2020-01-01")) == len(rows)
    resp = admin.get("/admin/audit/export", params={"user": "analyst2", "target": "prikbord:1019", "format": "csv"})
    assert resp.status_code == 200 and resp.headers["content-disposition"].endswith('signaal-audit.csv"')
    table = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert len(table) == len(rows) and {r["target_id"] for r in table} == {"prikbord:1019"}
    [entry] = _for_request(ui_ctx, resp)
    assert entry["action"] == "export" and entry["target_type"] == "audit" and entry["details"]["count"] == len(rows)
    assert admin.get("/admin/audit/export").status_code == 200
    analyst_try = analyst.get("/admin/audit/export")
    assert analyst_try.status_code == 403
