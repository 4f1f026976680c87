"""Per-document analysis state carried on ``Doc._.signaal`` between pipeline components."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nlp.extract import Found, SpanSet
from nlp.normalise import Views


@dataclass
class AdState:
    """What the components found, in document character offsets."""

    views: Views
    phones: list[Found] = field(default_factory=list)
    emails: list[Found] = field(default_factory=list)
    handles: list[Found] = field(default_factory=list)
    ages: list[Found] = field(default_factory=list)
    prices: list[Found] = field(default_factory=list)
    locations: list[Found] = field(default_factory=list)
    names: list[Found] = field(default_factory=list)
    nationalities: list[Found] = field(default_factory=list)
    genders: list[Found] = field(default_factory=list)
    indicators: list[dict[str, Any]] = field(default_factory=list)

    def contact_spans(self) -> SpanSet:
        return SpanSet((f.start, f.end) for f in (*self.phones, *self.emails, *self.handles))
