"""`signaal demo-sites generate|serve` from the command line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from devtools.es_node.node import free_port
from devtools.fixture_sites import generate
from signaal.cli import app


def test_generate_writes_ads_truth_and_labelled(tmp_path):
    result = CliRunner().invoke(app, ["demo-sites", "generate", "--seed", "3", "--n-ads", "50", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    ads = [json.loads(line) for line in (tmp_path / "ads.jsonl").read_text().splitlines()]
    truth = [json.loads(line) for line in (tmp_path / "truth.jsonl").read_text().splitlines()]
    labelled = [json.loads(line) for line in (tmp_path / "labelled.jsonl").read_text().splitlines()]
    assert ads == generate(seed=3, n_ads=50).ads
    assert [t["id"] for t in truth] == [a["id"] for a in ads] == [row["id"] for row in labelled]
    assert all(set(row["labels"]) == {"minor", "trafficking"} for row in labelled)
    assert {"id", "advertiser_id", "labels", "entities", "indicator_codes", "edited"} <= set(truth[0])


def test_serve_refuses_bad_options_in_one_line(tmp_path):
    runner = CliRunner()
    bad = tmp_path / "f.yaml"
    bad.write_text("/x: {kind: nope}\n")
    result = runner.invoke(app, ["demo-sites", "serve", "--faults", str(bad)])
    assert result.exit_code == 2 and "kind" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["demo-sites", "serve", "--faults", str(bad), "--fault-mode"])
    assert result.exit_code == 2 and "either" in result.output


def test_serve_runs_until_interrupted():
    ports = [free_port(), free_port()]
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("signaal")),
            "demo-sites",
            "serve",
            "--n-ads",
            "40",
            "--fault-mode",
            "--prikbord-port",
            str(ports[0]),
            "--vitrine-port",
            str(ports[1]),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                res = httpx.get(f"http://127.0.0.1:{ports[0]}/", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read()
                time.sleep(0.1)
        assert res.status_code == 200 and "ad-card" in res.text
        assert httpx.get(f"http://127.0.0.1:{ports[1]}/api/ads?page=1", timeout=5).json()["page"] == 1
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=15)
    assert proc.returncode == 0 and "faults on prikbord" in out
