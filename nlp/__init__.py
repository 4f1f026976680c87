"""Signaal NLP: normalisation, language, entities and indicators for online ads (Dutch and English).

Public API: :func:`analyze`. Everything else is internal; callers never see spaCy objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["analyze"]


def analyze(records: Iterable[dict[str, Any]], *, batch_size: int = 256) -> Iterator[dict[str, Any]]:
    """Yield each ad dict plus ``language``, ``entities`` and ``indicators`` (DESIGN.md contract).

    Lazy and order-preserving, one output per input; the input dicts are not
    modified. ``title``/``body`` may be missing, None or not strings (then
    they count as empty). spaCy is imported on first use, not on import.
    """
    from nlp.analyzer import analyze as _analyze

    return _analyze(records, batch_size=batch_size)
