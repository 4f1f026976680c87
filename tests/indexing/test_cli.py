"""`signaal index --in FILE`: malformed lines are reported with their line number, the rest is indexed."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from indexing.synthetic import scored_ad
from signaal.cli import app

pytestmark = pytest.mark.es


def test_malformed_lines_are_reported_and_the_rest_indexed(es, index_prefix, tmp_path):
    lines = [json.dumps(scored_ad(n, site="clisite")) for n in range(4)]
    lines.insert(1, '{"id": "clisite:broken", "title": ')  # line 2: truncated JSON
    lines.insert(3, "[1, 2, 3]")  # line 4: not an object
    source = tmp_path / "scored.jsonl"
    source.write_text("\n".join(lines) + "\n")

    result = CliRunner().invoke(app, ["index", "--in", str(source)])

    assert result.exit_code == 1
    assert "line 2: malformed JSON" in result.stderr
    assert "line 4: expected a JSON object" in result.stderr
    assert "indexed 4 (created 4" in result.stdout
    count = es.count(index=f"{index_prefix}-ads", query={"term": {"site": "clisite"}})["count"]
    assert count == 4


def test_stdin_and_dead_letter_option(es, index_prefix, tmp_path):
    bad = scored_ad(1, site="stdinsite")
    bad["posted_at"] = "not a date"
    good = scored_ad(2, site="stdinsite")
    dead = tmp_path / "dead.jsonl"
    stdin = json.dumps(good) + "\n" + json.dumps(bad) + "\n"

    result = CliRunner().invoke(app, ["index", "--in", "-", "--dead-letter", str(dead)], input=stdin)

    assert result.exit_code == 1
    assert "indexed 1 (created 1" in result.stdout
    assert [json.loads(line)["id"] for line in dead.read_text().splitlines()] == ["stdinsite:1"]


def test_missing_input_file_is_one_line_error(tmp_path):
    result = CliRunner().invoke(app, ["index", "--in", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot read") and result.stderr.count("\n") == 1
