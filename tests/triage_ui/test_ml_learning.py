"""Learning from analysts end to end, with real Elasticsearch and the real CLI.

Analysts decide ads through the UI -> the ML page mines a phrasing no rule covers
and a rule analysts keep rejecting -> an ML user accepts both (CSRF and role
checked) -> ``signaal rescore`` re-analyzes the index -> the ads' codes change.
"""

from __future__ import annotations

import os
import sys

import pytest
import yaml

from indexing.indexer import index_ads
from models.chain import score_records
from signaal.paths import REPO_ROOT
from tests.helpers import run
from tests.triage_ui.helpers import decide

pytestmark = pytest.mark.es

NAMES = ["Roos", "Lotte", "Ilse", "Femke", "Jade", "Nina", "Zoë", "Maud"]
PENSION = "{name}, {age} jaar. Afspraken in een pension {where}. Bel 06-1234 51{n:02d}."
WHERES = ["bij het station", "aan de rand van de stad", "vlak bij de snelweg", "in het centrum", "achter de markt"]
TOURING = "{name}, {age} jaar. Nieuw in de stad, rustige afspraak bij mij thuis. Bel 06-1234 52{n:02d}."


def _ads() -> list[dict]:
    """Six future leads with "in een pension", six future not-relevant ads touring, two left undecided."""
    ads = []
    for n in range(7):
        body = PENSION.format(name=NAMES[n], age=24 + n, where=WHERES[n % len(WHERES)], n=n)
        ads.append(
            {"id": f"leer:p{n}", "site": "leer", "url": f"http://127.0.0.1:9/p/{n}", "title": NAMES[n], "body": body}
        )
    for n in range(7):
        body = TOURING.format(name=NAMES[n], age=30 + n, n=n)
        ads.append(
            {"id": f"leer:t{n}", "site": "leer", "url": f"http://127.0.0.1:9/t/{n}", "title": NAMES[n], "body": body}
        )
    return ads


def _codes(es, alias: str, ad_id: str) -> set[str]:
    return set(es.get(index=alias, id=ad_id)["_source"].get("indicator_codes") or [])


@pytest.fixture
def decided(es, ui_ctx, client_for, tmp_path, monkeypatch, accepted_file):
    """The ads indexed through the real chain, 12 of them decided by an analyst through the UI."""
    monkeypatch.setenv("SIGNAAL_VAR_DIR", str(tmp_path / "var"))  # an empty registry: the rules baseline scores
    index_ads(es, score_records(_ads()), prefix=ui_ctx.prefix, refresh=True)
    analyst, csrf = client_for("analyst1")
    for n in range(6):
        decide(analyst, csrf, f"leer:p{n}", "lead", trafficking="yes")
        decide(analyst, csrf, f"leer:t{n}", "not_relevant")
    es.indices.refresh(index=ui_ctx.alias("decisions"))
    return accepted_file


def _rescore() -> str:
    proc = run([sys.executable, "-m", "signaal", "rescore"], cwd=REPO_ROOT, env=dict(os.environ))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_decisions_to_suggestions_to_accepted_rules_to_rescored_codes(es, ui_ctx, client_for, decided):
    ads = ui_ctx.alias("ads")
    assert "TRAF_HOTEL" not in _codes(es, ads, "leer:p6") and "TRAF_MOVEMENT" in _codes(es, ads, "leer:t6")
    ml, csrf = client_for("mlstaff")
    page = ml.get("/ml").text
    # the phrasing no rule covers, over-represented among the six leads, with an escaped example ad
    assert "in een pension" in page and 'href="/ml/ads/leer:p5"' in page  # the model view: ml reads no full ads
    assert '<mark class="ind-traf">in een pension</mark>' in page
    # the touring rule that all six not-relevant ads carry
    assert "nieuw in de stad" in page and "Exclude phrasing" in page

    analyst, analyst_csrf = client_for("analyst1")
    form = {"action": "add_term", "code": "TRAF_HOTEL", "term": "in een pension"}
    assert analyst.post("/ml/proposals", data=form | {"csrf_token": analyst_csrf}).status_code == 403
    assert ml.post("/ml/proposals", data=form, follow_redirects=False).status_code == 403  # no CSRF token
    assert not decided.exists()

    accepted_term = ml.post("/ml/proposals", data=form | {"csrf_token": csrf}, follow_redirects=False)
    assert accepted_term.status_code == 303
    exclusion = {"action": "exclude", "code": "TRAF_MOVEMENT", "term": "nieuw in de stad", "csrf_token": csrf}
    assert ml.post("/ml/proposals", data=exclusion, follow_redirects=False).status_code == 303
    term_entry, exclude_entry = yaml.safe_load(decided.read_text(encoding="utf-8"))
    assert term_entry["by"] == "mlstaff" and term_entry["code"] == "TRAF_HOTEL" and term_entry["at"].endswith("Z")
    assert term_entry["evidence"]["ads"] == 6 and term_entry["evidence"]["leads"] == 6
    assert term_entry["evidence"]["precision"] == 1.0 and term_entry["evidence"]["lift"] == 2.0
    assert exclude_entry["evidence"]["negatives"] == 6 and exclude_entry["evidence"]["positives"] == 0

    before = es.get(index=ads, id="leer:p6")["_source"]
    assert "re-analyzed" in _rescore()
    after = es.get(index=ads, id="leer:p6")["_source"]
    assert "TRAF_HOTEL" in after["indicator_codes"] and after["nlp_version"] != before["nlp_version"]
    assert after["risk"]["trafficking"] > before["risk"]["trafficking"]
    assert "TRAF_MOVEMENT" not in _codes(es, ads, "leer:t6")

    page = ml.get("/ml").text
    suggested = page.split('id="suggestions"')[1].split('id="weak-rules"')[0]
    assert 'name="term" value="in een pension"' not in suggested  # a rule covers it now
    assert term_entry["id"] in page.split('id="proposals"')[1]
    withdrawn = ml.post(
        "/ml/proposals/withdraw", data={"proposal": term_entry["id"], "csrf_token": csrf}, follow_redirects=False
    )
    assert withdrawn.status_code == 303
    assert [e["action"] for e in yaml.safe_load(decided.read_text(encoding="utf-8"))] == [
        "add_term",
        "exclude",
        "withdraw",
    ]
    es.indices.refresh(index=ui_ctx.alias("audit"))
    audit = es.search(index=ui_ctx.alias("audit"), query={"term": {"action": "proposal"}}, size=10)["hits"]["hits"]
    assert sorted(h["_source"]["outcome"] for h in audit) == ["ok", "ok"]


def test_bad_proposals_are_refused_with_a_message(ui_ctx, client_for, accepted_file):
    ml, csrf = client_for("mlstaff")
    heavy = {"action": "weight", "code": "TRAF_HOTEL", "weight": "1.5", "csrf_token": csrf}
    assert ml.post("/ml/proposals", data=heavy).status_code == 422
    derived = {"action": "exclude", "code": "MINOR_STATED_AGE", "term": "16 jaar", "csrf_token": csrf}
    resp = ml.post("/ml/proposals", data=derived)
    assert resp.status_code == 200 and "change its weight" in resp.text
    unknown = {"action": "add_term", "code": "TRAF_NOT_A_CODE", "term": "x", "csrf_token": csrf}
    assert "unknown indicator code" in ml.post("/ml/proposals", data=unknown).text
    assert not accepted_file.exists()
    weight = {"action": "weight", "code": "TRAF_MOVEMENT", "weight": "0.1", "csrf_token": csrf}
    assert ml.post("/ml/proposals", data=weight, follow_redirects=False).status_code == 303
    [entry] = yaml.safe_load(accepted_file.read_text(encoding="utf-8"))
    assert entry["action"] == "weight" and entry["weight"] == 0.1 and entry["by"] == "mlstaff"
