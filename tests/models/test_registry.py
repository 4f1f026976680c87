import json

import numpy as np
import pytest
import skops.io as sio
from sklearn.pipeline import Pipeline
from typer.testing import CliRunner

import models
from models.learned import LearnedScorer
from models.registry import RegistryError, trusted_types
from models.rules import RulesScorer
from signaal.cli import app
from signaal.ids import file_sha256

AD = {
    "id": "t:1",
    "title": "Anna in Delft",
    "body": "Hoi, ik ben Anna, 16 jaar uit Delft. Bel +999550000001",
    "entities": {"ages": [16], "phones": ["+999550000001"]},
    "indicators": [{"code": "MINOR_STATED_AGE", "category": "minor", "weight": 0.9}],
}


class Unexpected:
    """A type no model artifact should contain."""

    def __init__(self) -> None:
        self.value = 1


def _version() -> str:
    return next(models.score([AD]))["risk"]["model_version"]


def test_promote_and_rollback_change_what_score_uses(registry):
    runner = CliRunner()
    baseline = RulesScorer().model_version
    assert _version() == baseline
    assert runner.invoke(app, ["models", "promote", "v0001"]).exit_code == 0
    assert _version() == "v0001"
    registry.promote("v0002")
    assert _version() == "v0002"
    result = runner.invoke(app, ["models", "rollback"])
    assert result.exit_code == 0 and "v0001" in result.output
    assert _version() == "v0001"
    registry.rollback()
    assert _version() == baseline
    listing = runner.invoke(app, ["models", "list"])
    assert "v0001" in listing.output and "rules baseline" in listing.output


def test_tampered_artifact_is_refused(registry):
    path = registry.root / "v0001" / "model.skops"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(RegistryError, match="sha256"):
        registry.load("v0001")
    result = CliRunner().invoke(app, ["models", "promote", "v0001"])
    assert result.exit_code == 2 and "tampered" in result.output and "Traceback" not in result.output
    assert registry.promoted() is None


def _replace_artifact(registry, version: str, artifact) -> None:
    """Swap a version's file and record its new hash, as someone with write access could."""
    path = registry.root / version / "model.skops"
    sio.dump(artifact, path)
    index = json.loads((registry.root / "index.json").read_text())
    next(v for v in index["versions"] if v["version"] == version)["sha256"] = file_sha256(path)
    (registry.root / "index.json").write_text(json.dumps(index))


def test_untrusted_type_is_refused_even_with_matching_hash(registry):
    _replace_artifact(registry, "v0002", {"format": 2, "payload": Unexpected()})
    with pytest.raises(RegistryError, match="untrusted types"):
        registry.load("v0002")


def test_artifact_of_an_older_format_says_retrain(registry):
    _replace_artifact(registry, "v0002", {"format": 1, "settings": {}, "features": None, "classifiers": {}})
    with pytest.raises(RegistryError, match=r"v0002: model artifact format 1 .* retrain"):
        registry.load("v0002")
    result = CliRunner().invoke(app, ["models", "promote", "v0002"])
    assert result.exit_code == 2 and "retrain" in result.output and "Traceback" not in result.output


def test_skops_file_holds_the_whole_pipeline(registry, trained, labelled):
    loaded = registry.load("v0001")
    assert isinstance(loaded.model, Pipeline)
    assert list(loaded.feature_names) == list(trained.artifact["model"][:-1].get_feature_names_out())
    in_memory = LearnedScorer(trained.artifact, "v0001")
    assert loaded.score_batch(labelled[:50]) == in_memory.score_batch(labelled[:50])
    np.testing.assert_array_equal(loaded.classifier.coef_, in_memory.classifier.coef_)


def test_trusted_types_are_exactly_what_skops_reports(trained):
    assert set(sio.get_untrusted_types(data=sio.dumps(trained.artifact))) == trusted_types()


def test_unknown_version_is_one_line_error(registry):
    result = CliRunner().invoke(app, ["models", "promote", "v0042"])
    assert result.exit_code == 2 and "no model version" in result.output
