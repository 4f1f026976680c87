"""Shared fixtures for the models tests: synthetic labelled ads and a registry with two trained versions."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# pytest puts tests/ on sys.path (rootdir conftest), where tests/models would be
# found as a namespace package named "models"; with the repository root on the
# path too, the real (regular) package wins. Remove once pytest's config has
# `pythonpath = ["."]`.
_REPO = str(Path(__file__).resolve().parents[2])
if _REPO not in sys.path:
    sys.path.append(_REPO)

from models.registry import Registry  # noqa: E402
from models.synthetic import generate  # noqa: E402
from models.training import model_card, train  # noqa: E402


@pytest.fixture(scope="session")
def labelled() -> list[dict]:
    return list(generate(3000, seed=11))


@pytest.fixture(scope="session")
def trained(labelled):
    """One training run (logreg, group split) reused by the tests that only read it."""
    return train(labelled, classifier="logreg")


@pytest.fixture
def registry(tmp_path: Path, trained, monkeypatch: pytest.MonkeyPatch) -> Iterator[Registry]:
    """A registry under a fresh SIGNAAL_VAR_DIR holding v0001 and v0002 (none promoted)."""
    from models.scoring import clear_cache

    monkeypatch.setenv("SIGNAAL_VAR_DIR", str(tmp_path / "var"))
    clear_cache()
    reg = Registry.default()
    for _ in range(2):
        reg.register(trained.artifact, metrics=trained.metrics, settings=trained.settings,
                     fingerprint=trained.fingerprint, card=model_card(trained, "synthetic"))
    yield reg
    clear_cache()
