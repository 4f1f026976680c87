"""Split ad text at indicator offsets into segments for highlighting.

The text is never turned into HTML here: the template escapes every segment and wraps
the flagged ones in ``<mark>``, so ad text cannot inject markup whatever the offsets are.
Overlapping indicators produce segments that carry every code covering them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from triage_ui import data


@dataclass
class Segment:
    text: str
    codes: list[str] = field(default_factory=list)
    categories: set[str] = field(default_factory=set)

    @property
    def explanation(self) -> str:
        return "\n".join(f"{code}: {data.indicator_explanation(code)}" for code in self.codes)

    @property
    def css(self) -> str:
        if not self.codes:
            return ""
        return "ind-minor" if "minor" in self.categories else "ind-traf"


def segments(text: str | None, indicators: list[dict], field_name: str) -> list[Segment]:
    text = text or ""
    spans = []
    for ind in indicators or []:
        if ind.get("field") != field_name:
            continue
        try:
            start, end = max(0, int(ind["start"])), min(len(text), int(ind["end"]))
        except (KeyError, TypeError, ValueError):
            continue
        if start < end:
            spans.append((start, end, str(ind.get("code", "?")), str(ind.get("category", ""))))
    bounds = sorted({0, len(text), *(s for s, *_ in spans), *(e for _, e, *_ in spans)})
    out: list[Segment] = []
    for lo, hi in itertools.pairwise(bounds):
        covering = [s for s in spans if s[0] <= lo and s[1] >= hi]
        codes = list(dict.fromkeys(code for *_, code, _cat in covering))
        seg = Segment(text[lo:hi], codes, {cat for *_, cat in covering})
        if out and out[-1].codes == seg.codes:
            out[-1].text += seg.text
        else:
            out.append(seg)
    return out
