"""End to end through the CLI with generator data: raw labelled ads -> train --promote -> score uses the model."""

import orjson
from typer.testing import CliRunner

from models.chain import score_records
from models.registry import Registry
from signaal.cli import app


def test_train_on_raw_generator_ads_promotes_and_score_uses_it(tmp_path, monkeypatch):
    monkeypatch.setenv("SIGNAAL_VAR_DIR", str(tmp_path / "var"))  # a new registry: the scorer cache follows it
    runner = CliRunner()
    corpus = tmp_path / "corpus"
    made = runner.invoke(app, ["demo-sites", "generate", "--seed", "3", "--n-ads", "800", "--out", str(corpus)])
    assert made.exit_code == 0, made.output
    raw = orjson.loads((corpus / "labelled.jsonl").read_bytes().splitlines()[0])
    assert "indicators" not in raw  # training must run nlp itself

    train = ["train", "--data", str(corpus / "labelled.jsonl"), "--classifier", "logreg", "--promote"]
    trained = runner.invoke(app, [*train, "--synthetic", "--source", "generator seed 3", "--reuse"])
    assert trained.exit_code == 0, trained.output
    assert "registered v0001" in trained.output and "promoted v0001" in trained.output
    assert "synthetic labels" in trained.output
    report = tmp_path / "var" / "models" / "v0001" / "report"
    assert {"report.md", "report.json", "minor_curves.png", "trafficking_curves.png"} <= {
        p.name for p in report.iterdir()
    }
    again = runner.invoke(app, [*train, "--synthetic", "--reuse"])
    assert again.exit_code == 0 and "reusing v0001" in again.output and "promoted" not in again.output
    listing = runner.invoke(app, ["models", "list"]).output
    assert listing.count("v0001") == 1 and "[synthetic labels]" in listing and "v0002" not in listing
    assert "synthetic labels" in runner.invoke(app, ["models", "show", "v0001"]).output

    scored_path = tmp_path / "scored.jsonl"
    scored = runner.invoke(app, ["score", "--in", str(corpus / "ads.jsonl"), "--out", str(scored_path)])
    assert scored.exit_code == 0, scored.output
    rows = [orjson.loads(line) for line in scored_path.read_bytes().splitlines()]
    ads = [orjson.loads(line) for line in (corpus / "ads.jsonl").read_bytes().splitlines()]
    assert [r["id"] for r in rows] == [a["id"] for a in ads]
    assert {r["risk"]["model_version"] for r in rows} == {"v0001"}
    # The CLI's scores are the promoted model's: the same as scoring the same ads with it here.
    promoted = Registry.default().load("v0001")
    expected = score_records(ads[:50], scorer=promoted)
    assert [r["risk"] for r in rows[:50]] == [r["risk"] for r in expected]
    assert any(r["risk"]["reasons"] for r in rows)
