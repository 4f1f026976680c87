"""Bring every ad behind ``<prefix>-ads`` up to the current rules and model, in place, without downtime.

Ads are read with a point-in-time and ``search_after`` (split into slices over
several processes with ``workers``) over only those whose
``risk.model_version`` is not the promoted model's or whose ``nlp_version`` is
not the current analysis version (a lexicon changed), and updated with partial
bulk updates tagged with both. The query itself is the checkpoint: after an
interruption, running again picks up exactly the ads still behind, and a
finished run finds none.

An ad analyzed under other rules (or not at all) is analyzed again from its
stored title and body. Whatever changed, the written fields are exactly those
indexing the same ad would write: the new blocks plus every field
:func:`indexing.derive.derive_fields` computes from them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from elasticsearch import helpers

from indexing.derive import DERIVED_FIELDS, derive_fields
from indexing.slices import pit_pages, point_in_time, run_slices
from models.chain import score_records
from models.scoring import Scorer, default_scorer, score
from nlp.version import analysis_version
from signaal.es.client import get_client
from signaal.settings import alias

ANALYSIS_FIELDS = ("language", "entities", "indicators", "nlp_version")
KEEP_ALIVE = "5m"


@dataclass
class RescoreReport:
    model_version: str
    scanned: int = 0
    updated: int = 0
    reanalyzed: int = 0
    failed: int = 0


def pending_query(model_version: str, nlp_version: str | None = None) -> dict[str, Any]:
    """Ads not scored by ``model_version`` or not analyzed under ``nlp_version`` (typed values, never string-built)."""
    behind = [{"bool": {"must_not": [{"term": {"risk.model_version": model_version}}]}}]
    if nlp_version is not None:
        behind.append({"bool": {"must_not": [{"term": {"nlp_version": nlp_version}}]}})
    return {"bool": {"should": behind, "minimum_should_match": 1}}


def _current(source: dict[str, Any], nlp_version: str) -> bool:
    """Whether the stored analysis is complete and was made by the current rules."""
    return source.get("nlp_version") == nlp_version and all(f in source for f in ANALYSIS_FIELDS)


def _rescored(hits: list[dict[str, Any]], scorer: Scorer, stale: set[str]) -> list[dict[str, Any]]:
    """Scored records for a page; ads whose analysis is ``stale`` go through nlp first."""
    records = [{**h["_source"], "id": h["_id"]} for h in hits]
    out = list(score([r for r in records if r["id"] not in stale], scorer=scorer))
    reanalyze = [{k: v for k, v in r.items() if k not in ANALYSIS_FIELDS} for r in records if r["id"] in stale]
    if reanalyze:
        out += list(score_records(reanalyze, scorer=scorer))
    return out


def _update(record: dict[str, Any], reanalyzed: bool) -> dict[str, Any]:
    """The partial document for one rescored ad: its new blocks and every field derived from them."""
    derived = derive_fields(dict(record))
    written = ("risk", *(ANALYSIS_FIELDS if reanalyzed else ()))
    return {**{f: record.get(f) for f in written}, **{f: derived[f] for f in DERIVED_FIELDS if f in derived}}


def _rescore_page(es: Any, hits: list[dict[str, Any]], scorer: Scorer, rules: str) -> RescoreReport:
    """Score one page and write it; returns the page's counts."""
    page = RescoreReport(scorer.model_version, scanned=len(hits))
    index_of = {h["_id"]: h["_index"] for h in hits}
    stale = {h["_id"] for h in hits if not _current(h["_source"], rules)}
    page.reanalyzed = len(stale)
    actions = [
        {
            "_op_type": "update",
            "_index": index_of[record["id"]],
            "_id": record["id"],
            "doc": _update(record, record["id"] in stale),
        }
        for record in _rescored(hits, scorer, stale)
    ]
    for ok, _info in helpers.streaming_bulk(
        es, actions, chunk_size=500, max_retries=3, raise_on_error=False, raise_on_exception=False
    ):
        if ok:
            page.updated += 1
        else:
            page.failed += 1
    return page


def rescore(
    es: Any,
    prefix: str,
    *,
    scorer: Scorer | None = None,
    page_size: int = 500,
    workers: int = 1,
    on_page: Callable[[RescoreReport], None] | None = None,
) -> RescoreReport:
    """Rescore all pending ads; ``on_page`` is called after each page is written (progress, tests).

    ``workers`` > 1 splits the point-in-time into that many slices, each read, scored and written by its
    own process (:mod:`indexing.slices`) with its own client from ``signaal.es.client.get_client()``;
    every ad is in exactly one slice, so the result is the one worker's, only sooner.
    """
    scorer = scorer or default_scorer()
    rules = analysis_version()
    report = RescoreReport(scorer.model_version)
    ads_alias = alias("ads", prefix)
    query = pending_query(scorer.model_version, rules)

    def add(page: RescoreReport) -> None:
        report.scanned += page.scanned
        report.updated += page.updated
        report.reanalyzed += page.reanalyzed
        report.failed += page.failed
        if on_page:
            on_page(report)

    with point_in_time(es, ads_alias, KEEP_ALIVE) as pit:
        if workers <= 1:
            for hits in pit_pages(es, pit, query, page_size, keep_alive=KEEP_ALIVE):
                add(_rescore_page(es, hits, scorer, rules))
        else:
            for page in run_slices(_rescore_slice, workers, pit, query, page_size, scorer, rules):
                add(page)
    es.indices.refresh(index=ads_alias)
    return report


def _rescore_slice(
    part: tuple[int, int], pit: str, query: dict[str, Any], page_size: int, scorer: Scorer, rules: str
) -> Iterator[RescoreReport]:
    """One worker's share: the pages of slice ``part`` of the point-in-time (runs in its own process)."""
    es = get_client(component="indexer")
    try:
        for hits in pit_pages(es, pit, query, page_size, part, keep_alive=KEEP_ALIVE):
            yield _rescore_page(es, hits, scorer, rules)
    finally:
        es.close()


def pending_count(es: Any, prefix: str, model_version: str, nlp_version: str | None = None) -> int:
    """How many ads a rescore to ``model_version`` (and ``nlp_version``, when given) would still touch."""
    return int(es.count(index=alias("ads", prefix), query=pending_query(model_version, nlp_version))["count"])
