"""The one analyze-and-score implementation behind `signaal score`, the crawler and rescoring.

Keeping this in one place is what guarantees that an ad scored offline, scored
while crawling and rescored after a model promotion gets the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from models.scoring import Scorer, score
from nlp import analyze


def score_records(
    records: Iterable[dict[str, Any]], *, scorer: Scorer | None = None, batch_size: int = 256
) -> Iterator[dict[str, Any]]:
    """Yield each record with ``language``, ``entities``, ``indicators`` and ``risk`` added.

    Lazy and order-preserving: one output per input, in input order, so callers
    can stream millions of ads in constant memory. ``scorer`` defaults to the
    promoted model, or the rules-only baseline when none is promoted.
    """
    return score(analyze(records, batch_size=batch_size), scorer=scorer)
