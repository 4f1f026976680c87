"""``analyze(records)``: the public entry point, plain dicts in and out.

Title and body are analyzed as one document (title, a separator, body) so one
spaCy pass serves both; every span is then mapped back into the field it came
from, so ``field[start:end] == text`` always holds for the text as published.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from nlp.components import make_doc
from nlp.extract import Found
from nlp.langid import UNDETERMINED, identify
from nlp.pipeline import MAX_CHARS, get_pipeline, languages
from nlp.state import AdState
from nlp.version import analysis_version

SEPARATOR = "\n\n\n\n"  # wider than any separator the extractors allow inside one phone number or e-mail


def field_text(value: Any) -> str:
    """A text field as analyzed: strings as given, anything else (None, numbers, lists) as empty."""
    return value[:MAX_CHARS] if isinstance(value, str) else ""


def _unique(values: Sequence[Any]) -> list[Any]:
    """Distinct values in first-seen order.

    Entity values are strings, numbers or flat dicts of them ({platform, handle}, {amount, currency,
    per}, {name, lat, lon}); a dict is keyed by its sorted items' repr, which tells apart exactly
    the values their JSON tells apart (``1`` vs ``1.0``, ``True`` vs ``1``) at a fraction of the cost.
    """
    if len(values) < 2:  # most lists hold no value or one, which is distinct by itself: no keys to build
        return list(values)
    seen: set[str] = set()
    out = []
    for v in values:
        key = repr(sorted(v.items())) if isinstance(v, dict) else repr(v)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def _entities(state: AdState) -> dict[str, Any]:
    def vals(found: list[Found]) -> list[Any]:
        return _unique([f.value for f in found])

    return {
        "phones": vals(state.phones),
        # Numbers kept although their region does not list them as assigned: [{phone, check: "unassigned"}].
        # A list, not a dict keyed by number: a partial update replaces a list whole (retention).
        "phone_checks": _unique([{"phone": f.value, "check": f.extra["check"]} for f in state.phones if f.extra]),
        "emails": vals(state.emails),
        "handles": vals(state.handles),
        "ages": vals(state.ages),
        "locations": _unique([{"name": f.value, **f.extra} for f in state.locations]),
        "prices": vals(state.prices),
        "names": vals(state.names),
        "nationalities": vals(state.nationalities),
        "genders": vals(state.genders),
    }


def _indicators(state: AdState, title: str, body: str) -> list[dict[str, Any]]:
    body_offset = len(title) + len(SEPARATOR)
    out = []
    seen: set[tuple[str, int, int]] = set()  # code and document span decide every other field
    for ind in sorted(state.indicators, key=lambda i: (i["start"], i["code"])):
        start, end = ind["start"], ind["end"]
        key = (ind["code"], start, end)
        if key in seen:
            continue
        seen.add(key)
        if end <= len(title):
            field, text = "title", title
        elif start >= body_offset:
            field, text, start, end = "body", body, start - body_offset, end - body_offset
        else:
            continue  # straddles the separator: not a span of either field
        out.append(
            {
                "code": ind["code"],
                "category": ind["category"],
                "field": field,
                "start": start,
                "end": end,
                "text": text[start:end],
                "weight": ind["weight"],
            }
        )
    return out


def _batches(records: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    it = iter(records)
    while batch := list(islice(it, size)):
        yield batch


def analyze(records: Iterable[dict[str, Any]], *, batch_size: int = 256) -> Iterator[dict[str, Any]]:
    """Yield each record with ``language``, ``entities``, ``indicators`` and ``nlp_version`` added (lazy, in order)."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    known = set(languages())
    rules = analysis_version()
    for batch in _batches(records, batch_size):
        prepared = []
        for record in batch:
            if not isinstance(record, dict):
                raise TypeError(f"analyze() takes dicts, got {type(record).__name__}")
            title, body = field_text(record.get("title")), field_text(record.get("body"))
            lang = identify(f"{title}\n{body}")
            prepared.append((record, title, body, lang))
        results: dict[int, AdState] = {}
        by_lang: dict[str, list[int]] = {}
        for i, (_, _, _, lang) in enumerate(prepared):
            by_lang.setdefault(lang if lang in known else "nl", []).append(i)
        for lang, indexes in by_lang.items():
            pipeline = get_pipeline(lang)
            docs = ((make_doc(pipeline, prepared[i][1] + SEPARATOR + prepared[i][2]), i) for i in indexes)
            for doc, i in pipeline.pipe(docs, as_tuples=True, batch_size=batch_size):
                results[i] = doc._.signaal
        for i, (record, title, body, lang) in enumerate(prepared):
            state = results[i]
            out = dict(record)
            out["language"] = lang if lang != UNDETERMINED else UNDETERMINED
            out["entities"] = _entities(state)
            out["indicators"] = _indicators(state, title, body)
            out["nlp_version"] = rules
            yield out
