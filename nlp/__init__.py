"""Signaal NLP: normalization, language, entities and indicators for online ads (Dutch and English).

Public API: :func:`analyze`. Everything else is internal; callers never see spaCy objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["analyze"]


def analyze(records: Iterable[dict[str, Any]], *, batch_size: int = 256) -> Iterator[dict[str, Any]]:
    """Yield each ad dict plus ``language``, ``entities``, ``indicators`` and ``nlp_version`` (DESIGN.md contract).

    Lazy and order-preserving, one output per input; the input dicts are not
    modified. ``title``/``body`` may be missing, None or not strings (then
    they count as empty).
    """
    # Imported on first use, not with the package: every `signaal` command imports its part's package
    # (nlp.cli lives here), and spaCy + the pipeline modules cost 0.8-1.2 s and ~95 MB per process
    # (python -X importtime; /usr/bin/time, 2026-12-05), which `signaal --help` should not pay.
    from nlp.analyzer import analyze as analyze_records

    return analyze_records(records, batch_size=batch_size)
