"""`signaal demo-sites generate|serve` from the command line."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from devtools.es_node.node import free_port
from devtools.fixture_sites import generate
from signaal.cli import app
from tests.helpers import DEADLINE_S, port_open, spawn


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


@pytest.mark.parametrize("sigint", ["default", "ignored"])
def test_serve_runs_until_interrupted(tmp_path, sigint):
    """Ctrl-C stops the sites promptly, also when started by a shell without job control (CI, ``cmd &``),
    which starts its background commands with SIGINT ignored."""
    ports = [free_port(), free_port()]
    args = [
        str(Path(sys.executable).with_name("signaal")),
        *("demo-sites", "serve", "--n-ads", "40", "--fault-mode"),
        *("--prikbord-port", str(ports[0]), "--vitrine-port", str(ports[1])),
    ]
    if sigint == "ignored":
        args = ["sh", "-c", 'trap "" INT; exec "$0" "$@"', *args]
    with spawn(args, tmp_path) as server:
        server.wait_for_output("faults on prikbord")  # printed once both sites listen and signals are handled
        res = httpx.get(f"http://127.0.0.1:{ports[0]}/", timeout=DEADLINE_S)
        assert res.status_code == 200 and "ad-card" in res.text
        assert httpx.get(f"http://127.0.0.1:{ports[1]}/api/ads?page=1", timeout=DEADLINE_S).json()["page"] == 1
        server.proc.send_signal(signal.SIGINT)
        assert server.wait() == 0, server.stderr()
        assert server.stdout().endswith("stopping\n")
    assert not port_open(ports[0]) and not port_open(ports[1])
