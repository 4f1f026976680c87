"""Model fixtures shared by every test package (a pytest plugin, see tests/conftest.py): the real chain
(fixture generator -> nlp.analyze) on a small labelled corpus, one training run, a registry with two
trained versions, and generator ads indexed with rules scores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from elasticsearch import helpers

import nlp
from devtools.fixture_sites import generate
from indexing.derive import derive_fields
from models import score
from models.config import rules_config
from models.registry import Registry
from models.rules import RulesScorer
from models.training import model_card, train
from signaal.settings import alias

N_ADS = 2000  # small enough for CI (nlp.analyze dominates), large enough for ~160 minor positives
FIXED_CALIBRATION = {"minor": (-3.0, 2.0), "trafficking": (-2.0, 1.5)}  # (intercept, slope) per target


@pytest.fixture
def fixed_calibration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, tuple[float, float]]]:
    """The rules baseline calibrated with FIXED_CALIBRATION (not the shipped fit), so tests can expect exact scores."""
    path = tmp_path / "calibration.yaml"
    targets = {t: {"intercept": a, "slope": b} for t, (a, b) in FIXED_CALIBRATION.items()}
    path.write_text(yaml.safe_dump({"targets": targets, "provenance": {"source": "test"}}), encoding="utf-8")
    monkeypatch.setenv("SIGNAAL_RULES_CALIBRATION", str(path))
    rules_config.cache_clear()
    yield FIXED_CALIBRATION
    monkeypatch.delenv("SIGNAAL_RULES_CALIBRATION")
    rules_config.cache_clear()


@pytest.fixture(scope="session")
def labelled() -> list[dict]:
    """Generator ads with their truth labels, analyzed by nlp (what `signaal train` sees)."""
    return list(nlp.analyze(generate(seed=11, n_ads=N_ADS, epoch=1).labelled()))


@pytest.fixture(scope="session")
def trained(labelled):
    """One training run (logreg, group split) reused by the tests that only read it."""
    return train(labelled, classifier="logreg")


@pytest.fixture
def registry(tmp_path: Path, trained, monkeypatch: pytest.MonkeyPatch) -> Iterator[Registry]:
    """A registry under a fresh SIGNAAL_VAR_DIR holding v0001 and v0002 (none promoted)."""
    monkeypatch.setenv("SIGNAAL_VAR_DIR", str(tmp_path / "var"))
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


@pytest.fixture
def indexed_ads(es, fresh_index_prefix) -> list[dict]:
    """120 generator ads indexed with rules baseline scores; 5 were never analyzed (rescoring must run nlp on them)."""
    records = list(score(nlp.analyze(generate(seed=5, n_ads=120, epoch=1).ads), scorer=RulesScorer()))
    docs = []
    for n, record in enumerate(records):
        doc = derive_fields({k: v for k, v in record.items() if k not in ("id", "labels")})  # as the indexer stores
        if n < 5:
            for field in ("language", "entities", "indicators", "nlp_version"):  # as indexed unscored
                doc.pop(field)
        docs.append({"_index": alias("ads", fresh_index_prefix), "_id": record["id"], "_source": doc})
    helpers.bulk(es, docs, refresh=True)
    return records
