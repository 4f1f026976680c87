"""Entity extractors: plain functions over a text view, returning spans in source offsets.

Kept free of spaCy so each can be tested and reused alone; the spaCy components
in ``nlp.components`` wire them into the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Found:
    """One extracted value with its span in the document text (``start``/``end``)."""

    value: Any
    start: int
    end: int
    obfuscated: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """True when ``[start, end)`` overlaps any of ``spans``."""
    return any(start < e and s < end for s, e in spans)
