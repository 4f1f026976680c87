"""Per-document analysis state carried on ``Doc._.signaal`` between pipeline components."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nlp.extract import Found, SpanSet
from nlp.normalize import Views


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

    _contacts: tuple[tuple[int, ...], SpanSet] | None = field(default=None, repr=False, compare=False)

    def contact_spans(self) -> SpanSet:
        """Spans of phones, e-mails and handles: a fresh set the caller may add to.

        Five components ask for it after the contacts are found; it is built once and copied
        (rebuilt if any contact list was replaced or grew since).
        """
        key = (
            id(self.phones),
            len(self.phones),
            id(self.emails),
            len(self.emails),
            id(self.handles),
            len(self.handles),
        )
        if self._contacts is None or self._contacts[0] != key:
            spans = SpanSet((f.start, f.end) for f in (*self.phones, *self.emails, *self.handles))
            self._contacts = (key, spans)
        return self._contacts[1].copy()
