"""Exports: formula-safe CSV, JSON, HTML/PDF reports, role limits, export log."""

import csv
import hashlib
import html
import io

import pytest

from tests.triage_ui.figures import record
from triage_ui.render.csvsafe import safe_cell, to_csv
from triage_ui.store import audit

pytestmark = pytest.mark.es


FORMULAS = ["=1+1", "+1+A1", "-2+3*A1", "@SUM(A1)", "\tx", "\rx", "\n=1+1", ' =HYPERLINK("x")', "\t=1", " @x"]


@pytest.mark.parametrize("value", FORMULAS)
def test_csv_cells_cannot_start_a_formula(value):
    """OWASP's triggers, also behind leading whitespace or a newline (finding 8)."""
    assert safe_cell(value) == "'" + value
    row = next(csv.reader(io.StringIO(to_csv(["h"], [[value]]).split("\r\n", 1)[1])))
    assert row[0] == "'" + value


PLAIN_NUMBERS = ["+31612345678", "-2", "+31612340001 +31612340002", "1,5", "42"]


@pytest.mark.parametrize("value", PLAIN_NUMBERS)
def test_csv_leaves_plain_numbers_alone(value):
    """A phone number or a negative number keeps its value (finding 8: no '+316... any more)."""
    assert safe_cell(value) == value


def test_formula_payloads_in_an_export(client_for, ui_ctx):
    """Every formula payload in a real CSV export comes out neutralised; the plain numbers come out as they were."""
    client, csrf = client_for("investigator1")
    for i, value in enumerate([*FORMULAS, *PLAIN_NUMBERS]):
        ui_ctx.es.update(index=ui_ctx.alias("ads"), id=f"prikbord:{1000 + i}", doc={"title": value}, refresh=True)
    ids = [f"prikbord:{1000 + i}" for i in range(len(FORMULAS) + len(PLAIN_NUMBERS))]
    resp = client.post("/exports", data={"csrf_token": csrf, "format": "csv", "selected": ids})
    titles = [row["title"] for row in csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig")))]
    neutralised = sum(title == "'" + value for title, value in zip(titles, FORMULAS, strict=False))
    kept = sum(title == value for title, value in zip(titles[len(FORMULAS) :], PLAIN_NUMBERS, strict=True))
    record("csv", formula_payloads=len(FORMULAS), neutralised=neutralised, plain_numbers=len(PLAIN_NUMBERS), kept=kept)
    assert (neutralised, kept) == (len(FORMULAS), len(PLAIN_NUMBERS))


def test_investigator_exports_csv_and_json(client_for, ui_ctx):
    client, csrf = client_for("investigator1")
    ui_ctx.es.update(
        index=ui_ctx.alias("ads"), id="prikbord:1010", refresh="wait_for", doc={"title": '=HYPERLINK("x")'}
    )
    csv_resp = client.post(
        "/exports", data={"csrf_token": csrf, "format": "csv", "selected": ["prikbord:1010", "prikbord:1011"]}
    )
    assert csv_resp.status_code == 200 and csv_resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_resp.content.decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == ["prikbord:1010", "prikbord:1011"]
    assert rows[0]["title"] == '\'=HYPERLINK("x")' and rows[0]["evidence_sha256"]
    json_resp = client.post("/exports", data={"csrf_token": csrf, "format": "json", "selected": ["prikbord:1011"]})
    assert [ad["id"] for ad in json_resp.json()] == ["prikbord:1011"]
    # Each export states the SHA-256 of exactly the bytes sent, and the export log keeps that hash.
    sent = {hashlib.sha256(r.content).hexdigest() for r in (csv_resp, json_resp)}
    assert {r.headers["x-content-sha256"] for r in (csv_resp, json_resp)} == sent
    ui_ctx.es.indices.refresh(index=ui_ctx.alias("exports"))
    logged = ui_ctx.es.search(index=ui_ctx.alias("exports"), query={"term": {"user": "investigator1"}}, size=100)
    assert sent <= {h["_source"]["sha256"] for h in logged["hits"]["hits"]}


def _decide(client, csrf: str, ad_id: str, decision: str):
    page = client.get(f"/ads/{ad_id}").text
    token = html.unescape(page.split('name="token" value="')[1].split('"')[0])
    return client.post(
        f"/ads/{ad_id}/decision",
        data={"csrf_token": csrf, "token": token, "decision": decision},
        follow_redirects=False,
    )


def test_analyst_exports_only_own_leads(client_for):
    client, csrf = client_for("analyst2")
    assert (
        client.post("/exports", data={"csrf_token": csrf, "format": "csv", "selected": ["prikbord:1012"]}).status_code
        == 403
    )
    assert _decide(client, csrf, "prikbord:1012", "lead").status_code == 303
    resp = client.post("/exports", data={"csrf_token": csrf, "format": "csv", "scope": "my_leads"})
    assert resp.status_code == 200 and "prikbord:1012" in resp.text
    assert client.get("/ads/prikbord:1012/report").status_code == 200
    assert client.get("/ads/prikbord:1013/report").status_code == 403


def test_re_deciding_someone_elses_ad_grants_no_export(client_for, ui_ctx):
    """Finding 3: analyst2 turns analyst1's escalation into "lead" and may still not export it; both are told."""
    first, csrf1 = client_for("analyst1")
    assert _decide(first, csrf1, "prikbord:1014", "escalate_minor").status_code == 303
    second, csrf2 = client_for("analyst2")
    page = second.get("/ads/prikbord:1014").text
    assert "Decided by analyst1" in page and "they are told" in page  # warned before overriding
    assert _decide(second, csrf2, "prikbord:1014", "lead").status_code == 303
    triage = ui_ctx.es.get(index=ui_ctx.alias("ads"), id="prikbord:1014")["_source"]["triage"]
    assert triage["decided_by"] == "analyst2" and triage["overrode"]["user"] == "analyst1"
    assert triage["assigned_to"] == "analyst1"
    export = {"csrf_token": csrf2, "format": "csv", "selected": ["prikbord:1014"]}
    assert second.post("/exports", data=export).status_code == 403
    assert second.get("/ads/prikbord:1014/report").status_code == 403
    mine = second.post("/exports", data={"csrf_token": csrf2, "format": "json", "scope": "my_leads"})
    assert "prikbord:1014" not in mine.text
    assert _decide(second, csrf2, "prikbord:1014", "lead").status_code == 303  # deciding again launders nothing
    assert second.post("/exports", data=export).status_code == 403
    # the first analyst, to whom the ad is assigned, still may; and sees who changed it
    assert first.post("/exports", data={**export, "csrf_token": csrf1}).status_code == 200
    inbox = first.get("/inbox").text
    assert "analyst2 changed your decision &#39;escalate_minor&#39; to &#39;lead&#39;" in inbox
    assert "changed the decision of analyst1" in first.get("/ads/prikbord:1014").text
    ui_ctx.es.indices.refresh(index=ui_ctx.alias("audit"))
    overrides = audit.browse(ui_ctx, action="override", target="prikbord:1014")["hits"]["hits"]
    assert overrides and overrides[-1]["_source"]["details"]["previous_user"] == "analyst1"


def test_analyst_exports_an_ad_assigned_to_them(client_for, ui_ctx):
    client, csrf = client_for("analyst2")
    page = client.get("/ads/prikbord:1016").text
    token = html.unescape(page.split('name="token" value="')[1].split('"')[0])
    assert client.post("/ads/prikbord:1016/assign", data={"csrf_token": csrf, "token": token}).status_code == 200
    assert client.get("/ads/prikbord:1016/report").status_code == 200


def test_cluster_report_html_has_evidence_hashes(client_for, ui_ctx):
    client, _ = client_for("investigator1")
    resp = client.get("/clusters/c2/report")
    assert resp.status_code == 200
    ad = ui_ctx.es.get(index=ui_ctx.alias("ads"), id="prikbord:1006")["_source"]
    assert ad["evidence"]["sha256"] in resp.text and "Network report c2" in resp.text


@pytest.mark.browser
def test_pdf_reports_share_one_browser_and_are_capped(component_client, index_prefix, ui_app):
    """Finding 5: one long-lived browser per process, a per-user limit, a cap on ads with a clear message."""
    from fastapi.testclient import TestClient

    from tests.triage_ui.conftest import settings_for_tests
    from tests.triage_ui.helpers import BASE_URL, login
    from triage_ui.app import create_app

    settings = settings_for_tests(pdf_max_ads=2, pdf_per_user=2)
    app = create_app(component_client("ui"), index_prefix, settings, ensure_indices=False)
    try:
        with TestClient(app, base_url=BASE_URL) as client:
            login(client, "investigator1")
            for ad_id in ("prikbord:1007", "prikbord:1008"):
                resp = client.get(f"/ads/{ad_id}/report", params={"format": "pdf"})
                assert resp.status_code == 200 and resp.content.startswith(b"%PDF")
            assert app.state.pdf.launches == 1  # the second report reused the browser
            resp = client.get("/ads/prikbord:1009/report", params={"format": "pdf"})
            assert resp.status_code == 429 and "At most 2 PDF reports" in resp.text
            assert client.get("/ads/prikbord:1009/report").status_code == 200  # HTML is not limited
            resp = client.get("/clusters/c2/report", params={"format": "pdf"})
            assert resp.status_code == 413 and "a PDF holds at most 2" in resp.text and "CSV or JSON" in resp.text
    finally:
        app.state.pdf.close()
    assert app.state.pdf._thread is None  # shut down with the app
