"""Exports: formula-safe CSV, JSON, HTML/PDF reports, role limits, export log."""

import csv
import hashlib
import html
import io

import pytest

from triage_ui.render.csvsafe import safe_cell, to_csv

pytestmark = pytest.mark.es


@pytest.mark.parametrize("value", ["=1+1", "+31 6", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_cannot_start_a_formula(value):
    assert safe_cell(value) == "'" + value
    row = next(csv.reader(io.StringIO(to_csv(["h"], [[value]]).split("\r\n", 1)[1])))
    assert row[0].startswith("'")


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
