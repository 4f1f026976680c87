"""Exports: formula-safe CSV, JSON, HTML/PDF reports, role limits, export log."""

import csv
import html
import io

import pytest

from triage_ui.render.csvsafe import safe_cell, to_csv

pytestmark = pytest.mark.es


FORMULAS = ["=1+1", "+1+A1", "-2+3*A1", "@SUM(A1)", "\tx", "\rx", "\n=1+1", ' =HYPERLINK("x")', "\t=1", " @x"]


@pytest.mark.parametrize("value", FORMULAS)
def test_csv_cells_cannot_start_a_formula(value):
    """OWASP's triggers, also behind leading whitespace or a newline (finding 8)."""
    assert safe_cell(value) == "'" + value
    row = next(csv.reader(io.StringIO(to_csv(["h"], [[value]]).split("\r\n", 1)[1])))
    assert row[0] == "'" + value


@pytest.mark.parametrize("value", ["+31612345678", "-2", "+31612340001 +31612340002", "1,5", "42"])
def test_csv_leaves_plain_numbers_alone(value):
    """A phone number or a negative number keeps its value (finding 8: no '+316... any more)."""
    assert safe_cell(value) == value


def test_investigator_exports_csv_and_json(client_for, ui_ctx):
    client, csrf = client_for("investigator1")
    ui_ctx.es.update(
        index=ui_ctx.alias("ads"), id="prikbord:1010", refresh="wait_for", doc={"title": '=HYPERLINK("x")'}
    )
    resp = client.post(
        "/exports", data={"csrf_token": csrf, "format": "csv", "selected": ["prikbord:1010", "prikbord:1011"]}
    )
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == ["prikbord:1010", "prikbord:1011"]
    assert rows[0]["title"] == '\'=HYPERLINK("x")' and rows[0]["evidence_sha256"]
    resp = client.post("/exports", data={"csrf_token": csrf, "format": "json", "selected": ["prikbord:1011"]})
    assert resp.json()[0]["id"] == "prikbord:1011"
    ui_ctx.es.indices.refresh(index=ui_ctx.alias("exports"))
    logged = ui_ctx.es.search(index=ui_ctx.alias("exports"), query={"term": {"user": "investigator1"}})
    assert {h["_source"]["sha256"] for h in logged["hits"]["hits"]} >= {resp.headers["x-content-sha256"]}


def test_analyst_exports_only_own_leads(client_for):
    client, csrf = client_for("analyst2")
    assert (
        client.post("/exports", data={"csrf_token": csrf, "format": "csv", "selected": ["prikbord:1012"]}).status_code
        == 403
    )
    page = client.get("/ads/prikbord:1012").text
    token = html.unescape(page.split('name="token" value="')[1].split('"')[0])
    client.post("/ads/prikbord:1012/decision", data={"csrf_token": csrf, "token": token, "decision": "lead"})
    resp = client.post("/exports", data={"csrf_token": csrf, "format": "csv", "scope": "my_leads"})
    assert resp.status_code == 200 and "prikbord:1012" in resp.text
    assert client.get("/ads/prikbord:1012/report").status_code == 200
    assert client.get("/ads/prikbord:1013/report").status_code == 403


def test_cluster_report_html_has_evidence_hashes(client_for, ui_ctx):
    client, _ = client_for("investigator1")
    resp = client.get("/clusters/c2/report")
    assert resp.status_code == 200
    ad = ui_ctx.es.get(index=ui_ctx.alias("ads"), id="prikbord:1006")["_source"]
    assert ad["evidence"]["sha256"] in resp.text and "Network report c2" in resp.text


@pytest.mark.browser
def test_pdf_report(client_for):
    client, _ = client_for("investigator1")
    resp = client.get("/ads/prikbord:1007/report", params={"format": "pdf"})
    assert resp.status_code == 200 and resp.content.startswith(b"%PDF")
