"""The one-command demo end to end: real Elasticsearch, real fixture sites, real crawls (incl. Chromium).

The demo runs as the operator would run it (``python -m signaal demo``) against the
session's test Elasticsearch and its own index prefix and var/ directory, on a small
corpus. A second run must be quick and change no counts (idempotent ids, resumable
crawl state, incremental linking, existing accounts left alone).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.triage_ui.helpers import BASE_URL, post_password
from triage_ui.app import create_app
from triage_ui.config import UISettings

pytestmark = [pytest.mark.es, pytest.mark.browser, pytest.mark.slow]

N_ADS = 60


def _run_demo(env: dict[str, str]) -> tuple[str, float]:
    started = time.perf_counter()
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "signaal", "demo", "--no-ui", "--n-ads", str(N_ADS)),
            *("--prikbord-port", "0", "--vitrine-port", "0"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout, time.perf_counter() - started


def _count(summary: str, label: str) -> int:
    match = re.search(rf"^\s+{re.escape(label)}\s+(\d+)", summary, re.MULTILINE)
    assert match, f"{label!r} missing from summary:\n{summary}"
    return int(match.group(1))


def _signaal(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "signaal", *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


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
    first, first_s = _run_demo(env)
    assert _count(first, "ads indexed") == N_ADS
    assert _count(first, "clusters") >= 1
    assert _count(first, "with indicators") >= 1
    passwords = re.findall(r"^\s+demo-(analyst|investigator|ml|admin)\s+(\S+)$", first, re.MULTILINE)
    assert {role for role, _ in passwords} == {"analyst", "investigator", "ml", "admin"}
    # every demo account sets up its second factor at its first login (then chooses its own password)
    listed = [line for line in _signaal(env, "users", "list").splitlines() if line.startswith("demo-")]
    assert len(listed) == 4 and all(line.endswith("second factor: enrols at next login") for line in listed)
    assert _first_login_steps(component_client, fresh_index_prefix, passwords) == {"/login/enrol"}

    # the learning loop a new user sees on the ML page: a synthetic first model with its report,
    # a label queue of calibrated doubt, and suggestions from ads decided from ground truth
    assert re.search(r"^\s+model\s+v0001 \(synthetic labels, promoted\)", first, re.MULTILINE)
    registry = json.loads((tmp_path / "var" / "models" / "index.json").read_text(encoding="utf-8"))
    assert registry["promoted"] == "v0001" and registry["versions"][0]["synthetic"] is True
    report = tmp_path / "var" / "models" / "v0001" / "report"
    assert {"report.md", "report.json", "minor_curves.png", "trafficking_curves.png"} <= {
        p.name for p in report.iterdir()
    }
    decided = _count(first, "decided now")
    assert N_ADS // 4 - 3 <= decided <= N_ADS // 4
    queue = [json.loads(line) for line in _signaal(env, "label-queue", "--json").splitlines()]
    assert queue and all(row["risk"]["model_version"] == "v0001" for row in queue)
    assert len({row["uncertainty"] for row in queue}) > 1
    suggestions = json.loads(_signaal(env, "suggestions", "--json"))
    assert suggestions["decided"] == decided and suggestions["weights"]

    second, second_s = _run_demo(env)
    assert _count(second, "ads indexed") == N_ADS
    assert _count(second, "clusters") == _count(first, "clusters")
    assert "demo accounts exist already" in second
    assert _count(second, "decided now") == 0
    registry = json.loads((tmp_path / "var" / "models" / "index.json").read_text(encoding="utf-8"))
    assert [v["version"] for v in registry["versions"]] == ["v0001"]  # the same labels: reused, not retrained
    for _, password in passwords:
        assert password not in second
    assert second_s < first_s * 1.5
