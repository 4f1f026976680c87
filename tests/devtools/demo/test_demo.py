"""The one-command demo end to end: real Elasticsearch, real fixture sites, real crawls (incl. Chromium).

The demo runs as the operator would run it (``python -m signaal demo``) against the
session's test Elasticsearch and its own index prefix and var/ directory, on a small
corpus. A second run must change nothing and redo no one-time work: every ad is found
unchanged (idempotent ids), the counts stay, and existing accounts are left alone.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from devtools.demo.decisions import DECIDER
from devtools.fixture_sites import generate
from signaal.settings import alias
from tests.helpers import DEADLINE_S, run
from tests.triage_ui.helpers import BASE_URL, post_password
from triage_ui.app import create_app
from triage_ui.config import UISettings

SEED = 7
N_ADS = 60

# Two demo runs, each under the shared deadline; pytest-timeout only catches what that does not.
pytestmark = [pytest.mark.es, pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(2 * DEADLINE_S + 120)]


def _run_demo(env: dict[str, str]) -> str:
    proc = run(
        [
            *(sys.executable, "-m", "signaal", "demo", "--no-ui", "--seed", str(SEED), "--n-ads", str(N_ADS)),
            *("--prikbord-port", "0", "--vitrine-port", "0"),
        ],
        env=env,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def _count(summary: str, label: str) -> int:
    match = re.search(rf"^\s+{re.escape(label)}\s+(\d+)", summary, re.MULTILINE)
    assert match, f"{label!r} missing from summary:\n{summary}"
    return int(match.group(1))


def _crawl_versions(summary: str) -> dict[str, dict[str, int]]:
    """Per site, the crawl's ``versions`` counts (new / changed / unchanged) from the summary's crawl lines."""
    lines = re.findall(r"^\s+crawl (\w+)\s+(\{.*\})$", summary, re.MULTILINE)
    return {site: ast.literal_eval(crawl)["versions"] for site, crawl in lines}


def _signaal(env: dict[str, str], *args: str) -> str:
    proc = run([sys.executable, "-m", "signaal", *args], env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def _truth_decisions(es, prefix: str) -> dict[str, str]:
    """Ad id -> decision of every decision the demo made from ground truth."""
    hits = es.search(
        index=alias("decisions", prefix), query={"term": {"user": DECIDER}}, size=10_000, source=["ad_id", "decision"]
    )["hits"]["hits"]
    return {hit["_source"]["ad_id"]: hit["_source"]["decision"] for hit in hits}


def _models(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "var" / "models" / "index.json").read_text(encoding="utf-8"))


def _first_login_steps(component_client, prefix: str, passwords: list[tuple[str, str]]) -> set[str]:
    """Where each demo account's first login leads after its password (the UI as the ``ui`` component)."""
    settings = UISettings(environment="test", secret_key="demo-test-secret-" + "x" * 32)
    app = create_app(component_client("ui"), prefix, settings, ensure_indices=False)
    steps = set()
    with TestClient(app, base_url=BASE_URL) as client:
        for role, password in passwords:
            resp = post_password(client, f"demo-{role}", password)
            assert resp.status_code == 303, resp.text[:500]
            steps.add(resp.headers["location"])
            client.cookies.clear()
    app.state.pdf.close()
    return steps


def test_demo_runs_the_whole_chain_and_reruns_safely(es, component_client, fresh_index_prefix, tmp_path: Path):
    env = {**os.environ, "SIGNAAL_VAR_DIR": str(tmp_path / "var"), "SIGNAAL_INDEX_PREFIX": fresh_index_prefix}
    corpus = generate(seed=SEED, n_ads=N_ADS)
    per_site = Counter(ad["site"] for ad in corpus.ads)
    ads = alias("ads", fresh_index_prefix)

    first = _run_demo(env)
    assert _count(first, "ads indexed") == N_ADS
    assert _crawl_versions(first) == {site: {"new": n} for site, n in per_site.items()}
    # The summary reports what is in the index, and the chain found something to report.
    clusters = es.count(index=alias("clusters", fresh_index_prefix))["count"]
    flagged = es.count(index=ads, query={"exists": {"field": "indicator_codes"}})["count"]
    assert _count(first, "clusters") == clusters > 0
    assert _count(first, "with indicators") == flagged > 0
    passwords = re.findall(r"^\s+demo-(analyst|investigator|ml|admin)\s+(\S+)$", first, re.MULTILINE)
    assert {role for role, _ in passwords} == {"analyst", "investigator", "ml", "admin"}
    # every demo account sets up its second factor at its first login (then chooses its own password)
    listed = [line for line in _signaal(env, "users", "list").splitlines() if line.startswith("demo-")]
    assert len(listed) == 4 and all(line.endswith("second factor: enrols at next login") for line in listed)
    assert _first_login_steps(component_client, fresh_index_prefix, passwords) == {"/login/enrol"}

    # the learning loop a new user sees on the ML page: a synthetic first model with its report,
    # a label queue of calibrated doubt, and suggestions from ads decided from ground truth
    assert re.search(r"^\s+model\s+v0001 \(synthetic labels, promoted\)", first, re.MULTILINE)
    registry = _models(tmp_path)
    assert registry["promoted"] == "v0001" and registry["versions"][0]["synthetic"] is True
    report = tmp_path / "var" / "models" / "v0001" / "report"
    assert {"report.md", "report.json", "minor_curves.png", "trafficking_curves.png"} <= {
        p.name for p in report.iterdir()
    }
    # Every fourth fixture ad is decided (all are indexed and none was decided before), once each.
    decided = _count(first, "decided now")
    every_fourth = {ad["id"] for ad in corpus.ads[::4]}
    assert decided == len(every_fourth)
    assert _truth_decisions(es, fresh_index_prefix).keys() == every_fourth
    queue = [json.loads(line) for line in _signaal(env, "label-queue", "--json").splitlines()]
    assert queue and all(row["risk"]["model_version"] == "v0001" for row in queue)
    assert len({row["uncertainty"] for row in queue}) > 1
    suggestions = json.loads(_signaal(env, "suggestions", "--json"))
    assert suggestions["decided"] == decided and suggestions["weights"]

    second = _run_demo(env)
    assert _count(second, "ads indexed") == es.count(index=ads)["count"] == N_ADS
    assert _crawl_versions(second) == {site: {"unchanged": n} for site, n in per_site.items()}
    assert _count(second, "clusters") == clusters
    assert _count(second, "with indicators") == flagged
    assert "demo accounts exist already" in second and "signaal users add" not in second
    assert _count(second, "decided now") == 0
    assert _truth_decisions(es, fresh_index_prefix).keys() == every_fourth
    assert [v["version"] for v in _models(tmp_path)["versions"]] == ["v0001"]  # the same labels: reused, not retrained
    for _, password in passwords:
        assert password not in second
