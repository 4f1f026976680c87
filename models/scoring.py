"""``models.score``: add a ``risk`` block to analyzed records, lazily and in order.

The default scorer is the promoted model from the registry, or the rules
baseline when none is promoted. It is loaded once per process and reloaded only
when the registry's promotion or the accepted proposals (rule weights) change, so
a long-running crawler picks up a promotion without re-reading the artifact for
every batch.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, Protocol

from models.registry import Registry
from models.rules import RulesScorer
from nlp import accepted


class Scorer(Protocol):
    """Anything that turns a batch of analyzed records into ``risk`` blocks."""

    model_version: str

    def score_batch(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]: ...


_lock = threading.Lock()
_cached: tuple[object, Scorer] | None = None


def default_scorer() -> Scorer:
    """The promoted model (cached per registry state), else the rules baseline (with the accepted weights)."""
    global _cached
    registry = Registry.default()
    state = (registry.state_token(), accepted.stamp())
    with _lock:
        if _cached is not None and _cached[0] == state:
            return _cached[1]
        scorer = registry.load_promoted() or RulesScorer()
        _cached = (state, scorer)
        return scorer


def score(
    records: Iterable[dict[str, Any]], *, scorer: Scorer | None = None, batch_size: int = 512
) -> Iterator[dict[str, Any]]:
    """Yield each record (shallow copy) with ``risk`` added; one output per input, same order."""
    active = scorer if scorer is not None else default_scorer()
    iterator = iter(records)
    while batch := list(islice(iterator, batch_size)):
        for record, risk in zip(batch, active.score_batch(batch), strict=True):
            yield {**record, "risk": risk}
