"""``signaal score``: offline, one output line per input line, same id and order, clear errors."""

import json

from typer.testing import CliRunner

from signaal.cli import app

runner = CliRunner()

GOOD = {
    "id": "t:1",
    "site": "t",
    "url": "http://127.0.0.1/1",
    "title": "Lisa (17)",
    "body": "Hoi, ik ben Lisa. Alleen hotel. Bel 06-12345678.",
}


def lines(*records):
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def test_score_files(tmp_path):
    src, dst = tmp_path / "ads.jsonl", tmp_path / "scored.jsonl"
    src.write_text(lines(GOOD, {**GOOD, "id": "t:2", "body": "Ik ben 35, bel gerust"}), encoding="utf-8")
    result = runner.invoke(app, ["score", "--in", str(src), "--out", str(dst)])
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [o["id"] for o in out] == ["t:1", "t:2"]
    first = out[0]
    assert first["entities"]["ages"] == [17] and first["entities"]["phones"] == ["+31612345678"]
    assert {"MINOR_STATED_AGE", "TRAF_HOTEL"} <= {i["code"] for i in first["indicators"]}
    assert 0 <= first["risk"]["minor"] <= 1 and first["risk"]["model_version"]


def test_malformed_lines_answered_in_place_and_reported(tmp_path):
    src = lines(GOOD, '{"id": "t:2", "title": broken', "[1, 2]", {"title": "no id"}, "", {**GOOD, "id": "t:5"})
    result = runner.invoke(app, ["score", "--in", "-", "--out", "-"], input=src)
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["t:1", "t:2", None, None, "t:5"]  # the blank line is not an ad
    assert "error" not in out[0] and "risk" in out[4]
    assert out[1]["error"].startswith("line 2: invalid JSON")
    assert out[2]["error"] == "line 3: not a JSON object but list"
    assert out[3]["error"] == 'line 4: ad has no string "id"'
    assert "line 2: invalid JSON" in result.stderr
    assert "3 of 5 lines failed" in result.stderr


def test_missing_input_file_is_a_one_line_error(tmp_path):
    result = runner.invoke(app, ["score", "--in", str(tmp_path / "nope.jsonl"), "--out", "-"])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr and "Traceback" not in result.output


def test_help_lists_commands():
    result = runner.invoke(app, ["--help"])
    assert "score" in result.stdout and "nlp" in result.stdout
