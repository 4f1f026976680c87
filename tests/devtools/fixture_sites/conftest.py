"""Fixtures for the fixture-site tests: one shared corpus and one pair of running sites per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools.fixture_sites import Corpus, RunningSites, generate, start_sites


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    """The default corpus (seed 7, 600 ads, epoch 1) that most checks read."""
    return generate(seed=7, n_ads=600)


@pytest.fixture(scope="session")
def corpus_epoch2() -> Corpus:
    return generate(seed=7, n_ads=600, epoch=2)


@pytest.fixture(scope="module")
def sites() -> Iterator[RunningSites]:
    """Both sites on free ports with a small corpus (so paging through everything stays cheap)."""
    with start_sites(seed=21, n_ads=130) as running:
        yield running
