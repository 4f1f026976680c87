import pytest
from typer.testing import CliRunner

import models
from models.registry import RegistryError
from signaal.cli import app

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
    assert _version() == "rules-v1"
    assert runner.invoke(app, ["models", "promote", "v0001"]).exit_code == 0
    assert _version() == "v0001"
    registry.promote("v0002")
    assert _version() == "v0002"
    result = runner.invoke(app, ["models", "rollback"])
    assert result.exit_code == 0 and "v0001" in result.output
    assert _version() == "v0001"
    registry.rollback()
    assert _version() == "rules-v1"
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


def test_untrusted_type_is_refused_even_with_matching_hash(registry):
    import json

    import skops.io as sio

    from models.registry import sha256_file

    path = registry.root / "v0002" / "model.skops"
    sio.dump({"format": 1, "payload": Unexpected()}, path)
    index = json.loads((registry.root / "index.json").read_text())
    index["versions"][1]["sha256"] = sha256_file(path)
    (registry.root / "index.json").write_text(json.dumps(index))
    with pytest.raises(RegistryError, match="untrusted types"):
        registry.load("v0002")


def test_unknown_version_is_one_line_error(registry):
    result = CliRunner().invoke(app, ["models", "promote", "v0042"])
    assert result.exit_code == 2 and "no model version" in result.output
