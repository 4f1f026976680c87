"""Entity extractors: plain functions over a text view, returning spans in source offsets.

Kept free of spaCy so each can be tested and reused alone; the spaCy components
in ``nlp.components`` wire them into the pipeline.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
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


class SpanSet:
    """A union of character spans with O(log n) overlap and containment tests.

    A 1 MB ad holds tens of thousands of matches; checking each against a
    plain list of spans would make analysis quadratic.
    """

    __slots__ = ("_ends", "_starts")

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        for start, end in sorted(spans):
            self.add(start, end)

    def __bool__(self) -> bool:
        return bool(self._starts)

    def spans(self) -> list[tuple[int, int]]:
        """The merged spans, in order."""
        return list(zip(self._starts, self._ends, strict=True))

    def copy(self) -> SpanSet:
        """An independent copy (adding to it leaves this set alone)."""
        new = SpanSet()
        new._starts, new._ends = self._starts.copy(), self._ends.copy()
        return new

    def add(self, start: int, end: int) -> None:
        """Add ``[start, end)``, merging it with the spans it touches."""
        lo = bisect_left(self._ends, start)  # first span that ends at or after start
        hi = bisect_right(self._starts, end)  # spans that start at or before end
        if lo < hi:
            start = min(start, self._starts[lo])
            end = max(end, self._ends[hi - 1])
        self._starts[lo:hi] = [start]
        self._ends[lo:hi] = [end]

    def overlaps(self, start: int, end: int) -> bool:
        """True when ``[start, end)`` shares a character with the set."""
        i = bisect_left(self._starts, end)
        return i > 0 and self._ends[i - 1] > start

    def covers(self, start: int, end: int) -> bool:
        """True when ``[start, end)`` lies inside one span of the set."""
        i = bisect_right(self._starts, start) - 1
        return i >= 0 and self._ends[i] >= end


def overlaps(start: int, end: int, spans: SpanSet) -> bool:
    """True when ``[start, end)`` overlaps ``spans``."""
    return spans.overlaps(start, end)
