"""Text rewritten for matching, with a map from every rewritten offset back to the source.

Ads hide contact details and ages in forms a regex cannot see ("nul zes", "O6",
"1️⃣"). We match on a rewritten *view* of the text, but every span we report
must index the text as published, so each rewrite keeps segment records that
map a view span back to the exact source slice it came from.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable


class Rewritten:
    """``source`` with non-overlapping ``(start, end, replacement)`` edits applied.

    Unedited stretches map one-to-one; an edited stretch maps as a whole (any
    offset inside ``"17"`` maps to the whole of ``"zeventien"``).
    """

    __slots__ = ("_deleted", "_new_starts", "_segs", "identity", "source", "text")

    def __init__(self, source: str, edits: Iterable[tuple[int, int, str]] = ()) -> None:
        self.source = source
        pieces: list[str] = []
        segs: list[tuple[int, int, int, int, bool]] = []  # new_start, new_end, src_start, src_end, edited
        deleted: list[int] = []
        pos = npos = 0
        for start, end, repl in edits:
            if start < pos:  # overlapping edit: the earlier one wins
                continue
            if start > pos:
                pieces.append(source[pos:start])
                segs.append((npos, npos + start - pos, pos, start, False))
                npos += start - pos
            if repl:
                pieces.append(repl)
                segs.append((npos, npos + len(repl), start, end, True))
                npos += len(repl)
            else:
                deleted.append(npos)
            pos = end
        if pos < len(source) or not segs:
            pieces.append(source[pos:])
            segs.append((npos, npos + len(source) - pos, pos, len(source), False))
        self.text = "".join(pieces)
        self._segs = segs
        self._new_starts = [s[0] for s in segs]
        self._deleted = deleted
        #: True when no edit was made (the view *is* the source).
        self.identity = len(segs) == 1 and not segs[0][4] and not deleted

    def _seg(self, offset: int) -> tuple[int, int, int, int, bool]:
        return self._segs[max(bisect_right(self._new_starts, offset) - 1, 0)]

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """Map the view span ``[start, end)`` (non-empty) to a source span."""
        if self.identity:
            return start, end
        n_start, _, s_start, s_end, edited = self._seg(start)
        src_start = s_start if edited else s_start + (start - n_start)
        n_start, _, s_start, s_end, edited = self._seg(end - 1)
        src_end = s_end if edited else s_start + (end - n_start)
        return src_start, src_end

    def edited_within(self, start: int, end: int) -> bool:
        """True when any edit (including a deletion) touched the view span ``[start, end)``."""
        if self.identity:
            return False
        i = bisect_right(self._deleted, start)  # deletions are recorded in order
        if i < len(self._deleted) and self._deleted[i] < end:
            return True
        i = max(bisect_right(self._new_starts, start) - 1, 0)
        for n_start, n_end, _, _, edited in self._segs[i:]:
            if n_start >= end:
                break
            if edited and n_end > start:
                return True
        return False


class View:
    """A chain of rewrites of one source text; spans map back through every layer."""

    __slots__ = ("_edits", "layers", "text")

    def __init__(self, layers: list[Rewritten]) -> None:
        self.layers = layers
        self.text = layers[-1].text
        # Only the layers that edited something map offsets (an identity layer maps a span to itself
        # and never reports an edit), last layer first; most ads have one or none.
        self._edits = [layer for layer in reversed(layers) if not layer.identity]

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        for layer in self._edits:
            start, end = layer.to_source(start, end)
        return start, end

    def edited_within(self, start: int, end: int) -> bool:
        for layer in self._edits:
            if layer.edited_within(start, end):
                return True
            start, end = layer.to_source(start, end)
        return False
