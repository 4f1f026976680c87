"""Append-only kinds (decisions, audit): entries are created, never overwritten."""

from __future__ import annotations

import pytest
from elasticsearch import ConflictError

from signaal.es.append_only import append
from signaal.es.errors import EsSetupError

pytestmark = pytest.mark.es


def test_append_creates_distinct_entries_and_never_overwrites(es, index_prefix):
    decision = {
        "ad_id": "prikbord:1",
        "decision": "lead",
        "labels": {"minor": "unknown", "trafficking": "yes"},
        "user": "analyst1",
        "role": "analyst",
        "decided_at": "2026-01-05T10:00:00Z",
    }
    first = append(es, "decisions", decision, refresh=True)
    second = append(es, "decisions", {**decision, "decision": "needs_review"}, refresh=True)
    assert first != second
    assert es.count(index=f"{index_prefix}-decisions", query={"term": {"ad_id": "prikbord:1"}})["count"] == 2
    with pytest.raises(ConflictError):
        es.create(index=f"{index_prefix}-decisions", id=first, document=decision)


def test_kinds_that_are_not_append_only_are_refused(es, index_prefix):
    with pytest.raises(EsSetupError, match="not an append-only kind"):
        append(es, "ads", {"id": "x"})
