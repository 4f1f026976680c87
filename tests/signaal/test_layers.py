"""The layer rule is configured as documented (lint-imports, run by `make test`, enforces it)."""

import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _contracts() -> dict[str, dict]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
    return {c["id"]: c for c in config["contracts"]}


def test_every_package_sits_in_one_layer_in_data_flow_order():
    layers = _contracts()["layers"]
    assert layers["type"] == "layers"
    assert layers["layers"] == [
        "devtools",
        "crawler | triage_ui",
        "retention",
        "linking",
        "indexing",
        "models",
        "nlp",
        "signaal",
    ]


def test_the_other_contracts_are_in_place():
    contracts = _contracts()
    assert contracts["product-below-top"]["forbidden_modules"] == ["crawler", "triage_ui", "devtools"]
    assert contracts["no-cycles"]["type"] == "acyclic_siblings"
    assert {"elasticsearch", "scrapy"} <= set(contracts["offline-analysis"]["forbidden_modules"])
    assert {"spacy", "sklearn"} <= set(contracts["light-ground"]["forbidden_modules"])


def test_every_top_level_package_is_under_a_contract():
    root = PYPROJECT.parent
    packages = {p.parent.name for p in root.glob("*/__init__.py")}
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
    assert packages == set(config["root_packages"])
