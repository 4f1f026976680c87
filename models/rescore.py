"""Rescore every ad behind ``<prefix>-ads`` with the promoted model, in place, without downtime.

Ads are read with a point-in-time and ``search_after`` over only those whose
``risk.model_version`` is not yet the target, and updated with partial bulk
updates (``risk`` and the final ``priority``) tagged with that version. The
query itself is the checkpoint: after an interruption, running again picks up
exactly the ads still on an older version, and a finished run finds none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from models.priority import queue_priority
from models.scoring import Scorer, default_scorer

ANALYSIS_FIELDS = ("language", "entities", "indicators")


@dataclass
class RescoreReport:
    model_version: str
    scanned: int = 0
    updated: int = 0
    reanalysed: int = 0
    failed: int = 0


def pending_query(model_version: str) -> dict[str, Any]:
    """Ads whose risk was not written by ``model_version`` (typed values, never string-built)."""
    return {"bool": {"must_not": [{"term": {"risk.model_version": model_version}}]}}


def _pages(es: Any, alias: str, query: dict[str, Any], page_size: int) -> Iterator[list[dict[str, Any]]]:
    pit = es.open_point_in_time(index=alias, keep_alive="2m")["id"]
    try:
        search_after = None
        while True:
            body: dict[str, Any] = {
                "size": page_size,
                "query": query,
                "pit": {"id": pit, "keep_alive": "2m"},
                "sort": [{"_shard_doc": "asc"}],
                "track_total_hits": False,
            }
            if search_after is not None:
                body["search_after"] = search_after
            resp = es.search(**body)
            pit = resp.get("pit_id", pit)
            hits = resp["hits"]["hits"]
            if not hits:
                return
            yield hits
            search_after = hits[-1]["sort"]
    finally:
        es.close_point_in_time(id=pit)


def _complete(source: dict[str, Any]) -> bool:
    return all(f in source for f in ANALYSIS_FIELDS)


def _rescored(hits: list[dict[str, Any]], scorer: Scorer) -> list[dict[str, Any]]:
    """Scored records for a page; ads lacking analysis fields go through nlp first."""
    from models.scoring import score

    records = [{**h["_source"], "id": h["_id"]} for h in hits]
    complete = [r for r in records if _complete(r)]
    missing = [r for r in records if not _complete(r)]
    out = list(score(complete, scorer=scorer))
    if missing:
        from signaal.scoring import score_records

        out += list(score_records(missing, scorer=scorer))
    return out


def rescore(
    es: Any,
    prefix: str,
    *,
    scorer: Scorer | None = None,
    page_size: int = 500,
    on_page: Callable[[RescoreReport], None] | None = None,
) -> RescoreReport:
    """Rescore all pending ads; ``on_page`` is called after each page is written (progress, tests)."""
    from elasticsearch import helpers

    scorer = scorer or default_scorer()
    report = RescoreReport(scorer.model_version)
    alias = f"{prefix}-ads"
    for hits in _pages(es, alias, pending_query(scorer.model_version), page_size):
        index_of = {h["_id"]: h["_index"] for h in hits}
        incomplete = {h["_id"] for h in hits if not _complete(h["_source"])}
        records = _rescored(hits, scorer)
        report.scanned += len(hits)
        report.reanalysed += len(incomplete)
        actions = []
        for record in records:
            doc: dict[str, Any] = {"risk": record["risk"], "priority": queue_priority(record)}
            if record["id"] in incomplete:  # nlp ran now: store what it found too
                doc.update({f: record.get(f) for f in ANALYSIS_FIELDS})
            actions.append({"_op_type": "update", "_index": index_of[record["id"]], "_id": record["id"], "doc": doc})
        for ok, _info in helpers.streaming_bulk(
            es, actions, chunk_size=500, max_retries=3, raise_on_error=False, raise_on_exception=False
        ):
            if ok:
                report.updated += 1
            else:
                report.failed += 1
        if on_page:
            on_page(report)
    es.indices.refresh(index=alias)
    return report


def pending_count(es: Any, prefix: str, model_version: str) -> int:
    return int(es.count(index=f"{prefix}-ads", query=pending_query(model_version))["count"])
