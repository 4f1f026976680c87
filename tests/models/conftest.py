"""Shared fixtures for the models tests: the real chain (fixture generator -> nlp.analyze) on a small
labelled corpus, one training run, and a registry with two trained versions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import nlp
from models.registry import Registry
from models.training import model_card, train
from signaal.demo_sites import generate

N_ADS = 2000  # small enough for CI (nlp.analyze dominates), large enough for ~160 minor positives


@pytest.fixture(scope="session")
def labelled() -> list[dict]:
    """Generator ads with their truth labels, analysed by nlp (what `signaal train` sees)."""
    return list(nlp.analyze(generate(seed=11, n_ads=N_ADS, epoch=1).labelled()))


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
        reg.register(
            trained.artifact,
            metrics=trained.metrics,
            settings=trained.settings,
            fingerprint=trained.fingerprint,
            card=model_card(trained, "fixture generator, seed 11"),
        )
    yield reg
    clear_cache()
