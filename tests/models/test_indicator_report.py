from typer.testing import CliRunner

from models.indicator_report import indicator_report, wilson
from signaal.cli import app


def test_wilson_interval_known_values():
    low, high = wilson(8, 10)
    assert round(low, 3) == 0.490 and round(high, 3) == 0.943
    assert wilson(0, 0) == (0.0, 0.0)


def _rec(codes, minor, traf):
    return {"indicators": [{"code": c} for c in codes], "labels": {"minor": minor, "trafficking": traf}}


def test_report_counts_precision_and_lift():
    records = [
        _rec(["TRAF_HOTEL"], 0, 1),
        _rec(["TRAF_HOTEL"], 0, 0),
        _rec(["TRAF_MOVEMENT"], 0, 0),
        _rec([], 0, 0),
        _rec(["TRAF_HOTEL", "TRAF_RESTRICTED"], 0, 1),
    ]
    rows = {r["code"]: r for r in indicator_report(records, "trafficking")}
    hotel = rows["TRAF_HOTEL"]
    assert (hotel["ads"], hotel["leads"], hotel["not_leads"]) == (3, 2, 1)
    assert hotel["precision"] == round(2 / 3, 4) and hotel["base_rate"] == 0.4
    assert hotel["lift"] == round((2 / 3) / 0.4, 3)
    assert rows["TRAF_MOVEMENT"]["lift"] == 0.0
    assert hotel["ci_low"] < hotel["precision"] < hotel["ci_high"]


def test_indicator_report_command(tmp_path, labelled):
    import orjson

    path = tmp_path / "labelled.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in labelled[:400]))
    result = CliRunner().invoke(app, ["indicator-report", "--data", str(path), "--target", "minor"])
    assert result.exit_code == 0, result.output
    assert "MINOR_STATED_AGE" in result.output and "base rate" in result.output
    missing = CliRunner().invoke(app, ["indicator-report", "--data", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2 and "no such file" in missing.output
