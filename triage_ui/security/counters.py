"""Counters shared by every UI worker, kept in ``<prefix>-throttle``.

Login failures per account, address and device, and PDF reports per user, must agree
across workers (and machines), so they live in Elasticsearch, not in process memory:
the UI keeps nothing that grows with traffic. Each counter is one document updated
with optimistic concurrency (``if_seq_no``), because the provisioned node has no
Painless scripts; a counter resets after ``window`` seconds without a hit and is
purged by ``purge_expired`` once it has been quiet for twice that.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from elasticsearch import ConflictError, NotFoundError
from elasticsearch.helpers import bulk

from triage_ui.context import UIContext

KIND = "throttle"
ATTEMPTS = 8


@dataclass(frozen=True)
class Counter:
    """A counter's state: hits since ``window_start`` (epoch ms), last hit at ``last_at``."""

    count: int
    window_start: int
    last_at: int


def now_ms() -> int:
    return int(time.time() * 1000)


def counter_id(kind: str, subject: str) -> str:
    return f"{kind}:{hashlib.sha256(subject.encode('utf-8', 'replace')).hexdigest()[:40]}"


def _fresh(kind: str, subject: str, now: int, window_ms: int) -> dict:
    return {
        "kind": kind,
        "subject": subject[:256],
        "count": 1,
        "window_start": now,
        "last_at": now,
        "expires_at": now + 2 * window_ms,
    }


def _live(source: dict, now: int, window_ms: int, fixed: bool) -> bool:
    return now - int(source["window_start" if fixed else "last_at"]) <= window_ms


def hit(ctx: UIContext, kind: str, subject: str, window_seconds: float, *, fixed: bool = False) -> Counter:
    """Add one to the counter. A new window starts after ``window_seconds`` of quiet, or, with ``fixed``
    (rate limits), ``window_seconds`` after the window started."""
    index, doc_id, window_ms = ctx.alias(KIND), counter_id(kind, subject), int(window_seconds * 1000)
    source: dict = {}
    for _attempt in range(ATTEMPTS):
        now = now_ms()
        try:
            found = ctx.es.get(index=index, id=doc_id)
        except NotFoundError:
            source = _fresh(kind, subject, now, window_ms)
            try:
                ctx.es.create(index=index, id=doc_id, document=source)
            except ConflictError:
                continue  # another worker created it first: count on top of theirs
            return Counter(1, now, now)
        source = found["_source"]
        if _live(source, now, window_ms, fixed):
            source = {**source, "count": int(source["count"]) + 1, "last_at": now, "expires_at": now + 2 * window_ms}
        else:
            source = _fresh(kind, subject, now, window_ms)
        try:
            ctx.es.index(
                index=index,
                id=doc_id,
                document=source,
                if_seq_no=found["_seq_no"],
                if_primary_term=found["_primary_term"],
            )
        except ConflictError:
            continue
        return Counter(int(source["count"]), int(source["window_start"]), int(source["last_at"]))
    # Under a storm of parallel hits on one counter: report it as counted (the caller errs on the safe side).
    return Counter(int(source.get("count", 1)), int(source.get("window_start", now)), now)


def peek(ctx: UIContext, kind: str, subject: str, window_seconds: float, *, fixed: bool = False) -> Counter | None:
    """The live counter, or None if it never started or its window is over (see ``hit``)."""
    try:
        source = ctx.es.get(index=ctx.alias(KIND), id=counter_id(kind, subject))["_source"]
    except NotFoundError:
        return None
    if not _live(source, now_ms(), int(window_seconds * 1000), fixed):
        return None
    return Counter(int(source["count"]), int(source["window_start"]), int(source["last_at"]))


def clear(ctx: UIContext, kind: str, subject: str) -> None:
    try:
        ctx.es.delete(index=ctx.alias(KIND), id=counter_id(kind, subject))
    except NotFoundError:
        return


def purge_expired(ctx: UIContext, batch: int = 1000) -> int:
    """Delete counters past ``expires_at`` (search + bulk: the provisioned node has no delete-by-query)."""
    resp = ctx.es.search(
        index=ctx.alias(KIND), query={"range": {"expires_at": {"lt": now_ms()}}}, size=batch, source=False
    )
    actions = [{"_op_type": "delete", "_index": h["_index"], "_id": h["_id"]} for h in resp["hits"]["hits"]]
    if actions:
        bulk(ctx.es, actions, raise_on_error=False)
    return len(actions)
