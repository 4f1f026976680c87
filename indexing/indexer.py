"""Bulk upsert of scored ads: idempotent by ad id, versioned, retrying, with a dead-letter file.

Per chunk of ads:

1. ``mget`` what is stored under those ids (retrying while the cluster is
   unreachable, for a bounded time);
2. plan each ad: new -> version 1 (or the crawler's), created with
   ``op_type=create``; same ``content_hash`` -> *unchanged*: version and
   first_seen kept, last_seen and analysis blocks refreshed; changed ->
   version + 1, and the stored version archived first in ``<prefix>-ad-versions``
   as ``<ad id>:v<n>``. ``first_seen`` is the earliest ever seen. Blocks written by
   later stages (triage, cluster, link_indicators, text_minhash, photo_chunks, photo_places) are kept when
   the incoming record has none, and every write of an existing ad carries its
   ``if_seq_no``/``if_primary_term``, so an analyst's decision saved in between
   is never overwritten: the conflict is re-planned instead;
3. ``streaming_bulk`` with ``max_retries`` and exponential backoff for 429s,
   without raising: each item's result is checked (a 200 bulk response can hold
   per-item failures). Rejected ads go to the dead-letter file with the error.

Because the ad id is the document ``_id`` and a re-run of the same input finds
the same ``content_hash``, re-running a load after a crash loses nothing and
duplicates nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from elasticsearch import ApiError, Elasticsearch, helpers
from elasticsearch import ConnectionError as EsConnectionError
from elasticsearch import ConnectionTimeout as EsConnectionTimeout

from indexing.dead_letter import DeadLetters
from indexing.derive import derive_fields
from indexing.report import IndexReport
from signaal.ids import content_hash, utc_now
from signaal.record import DOWNSTREAM_BLOCKS
from signaal.settings import alias, get_settings

# Blocks that stages after the indexer write into the stored ad (docs/ARCHITECTURE.md); a re-crawl must keep them.
CONFLICT_ROUNDS = 3
TRANSPORT_ERRORS = (EsConnectionError, EsConnectionTimeout)
# Per-item statuses that mean "not now" rather than "never": retried after waiting, a bounded number of rounds.
TRANSIENT_STATUS = {429, 502, 503, 504}
TRANSIENT_ROUNDS = 5
BULK_FILTER = "errors,items.*._id,items.*._index,items.*.status,items.*.error"


class IndexingError(RuntimeError):
    """Indexing cannot go on (cluster unreachable too long, ads alias missing); ``report`` has what was done."""

    def __init__(self, message: str, report: IndexReport) -> None:
        super().__init__(message)
        self.report = report


def _pick_time(*stamps: Any, latest: bool = False) -> str | None:
    """The earliest (or latest) of ISO-8601 strings in any common spelling (``Z`` or offset, with or without ms)."""
    best: tuple[datetime, str] | None = None
    for stamp in stamps:
        if not isinstance(stamp, str) or not stamp:
            continue
        try:
            parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            continue
        if parsed.tzinfo is None:
            continue
        if best is None or (parsed > best[0] if latest else parsed < best[0]):
            best = (parsed, stamp)
    return best[1] if best else None


def _chunks(records: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """Fixed-size chunks that never hold one ad id twice (the second copy starts a new chunk)."""
    chunk: list[dict[str, Any]] = []
    ids: set[Any] = set()
    for record in records:
        ad_id = record.get("id") if isinstance(record, dict) else None
        if len(chunk) >= size or ad_id in ids:
            yield chunk
            chunk, ids = [], set()
        chunk.append(record)
        ids.add(ad_id)
    if chunk:
        yield chunk


class _Indexer:
    """State of one run; :func:`index_ads` is the public face."""

    def __init__(self, es: Elasticsearch, prefix: str, dead: DeadLetters, opts: dict[str, Any]) -> None:
        self.es = es
        self.ads_alias = alias("ads", prefix)
        self.versions_alias = alias("ad-versions", prefix)
        self.dead = dead
        self.opts = opts
        self.report = IndexReport()

    # -- talking to Elasticsearch, patiently -------------------------------------------------------
    def _wait_for_cluster(self, first_error: Exception) -> None:
        """Poll until the cluster answers again or ``unreachable_wait`` seconds have passed."""
        deadline = time.monotonic() + self.opts["unreachable_wait"]
        delay = 0.5
        while time.monotonic() < deadline:
            time.sleep(delay)
            try:
                self.es.cluster.health(wait_for_status="yellow", timeout="5s")
                return
            except (*TRANSPORT_ERRORS, ApiError):
                delay = min(delay * 2, 5.0)
        raise IndexingError(
            f"Elasticsearch unreachable for {self.opts['unreachable_wait']:.0f}s ({first_error.__class__.__name__});"
            " re-run the same input later: nothing already indexed will be duplicated",
            self.report,
        )

    def check_aliases(self) -> None:
        """Refuse to start without the aliases: a write to a missing name would auto-create an unmapped index."""
        while True:
            try:
                missing = [a for a in (self.ads_alias, self.versions_alias) if not self.es.indices.exists_alias(name=a)]
                break
            except TRANSPORT_ERRORS as exc:
                self._wait_for_cluster(exc)
        if missing:
            raise IndexingError(f"alias {', '.join(missing)} does not exist; run `signaal es init`", self.report)

    def _mget(self, ids: list[str], *, full: bool = False) -> dict[str, dict[str, Any]]:
        """Stored ads by id: only the blocks planning needs, or (``full``) whole documents for archiving."""
        source: bool | list[str] = True if full else ["crawl", *DOWNSTREAM_BLOCKS]
        while True:
            try:
                resp = self.es.mget(index=self.ads_alias, ids=ids, source=source)
                break
            except TRANSPORT_ERRORS as exc:
                self._wait_for_cluster(exc)
            except ApiError as exc:
                if exc.meta.status == 404:
                    raise IndexingError(
                        f"{self.ads_alias} does not exist; run `signaal es init`", self.report
                    ) from None
                if exc.meta.status not in TRANSIENT_STATUS:
                    raise
                self._wait_for_cluster(exc)
        return {d["_id"]: d for d in resp["docs"] if d.get("found")}

    def _bulk(self, actions: list[dict[str, Any]]) -> list[tuple[bool, dict[str, Any]]]:
        """Bulk-write with 429 backoff; transport errors and transient statuses wait for the cluster, retry.

        All ``actions`` target one alias, so results are keyed by ``_id`` (the response names the
        concrete index behind the alias, not the alias).
        """
        by_id = {a["_id"]: a for a in actions}
        results: dict[str, tuple[bool, dict[str, Any]]] = {}
        pending = actions
        rounds = 0
        while pending:
            retry: list[dict[str, Any]] = []
            try:
                for ok, item in helpers.streaming_bulk(
                    self.es,
                    pending,
                    chunk_size=len(pending),
                    max_chunk_bytes=self.opts["max_chunk_bytes"],
                    max_retries=self.opts["max_retries"],
                    initial_backoff=self.opts["initial_backoff"],
                    max_backoff=self.opts["max_backoff"],
                    raise_on_error=False,
                    raise_on_exception=False,
                    # Only what per-item checking needs: parsing full bulk responses costs real CPU.
                    filter_path=BULK_FILTER,
                ):
                    info = next(iter(item.values()))
                    if not ok and info.get("status") in TRANSIENT_STATUS and rounds < TRANSIENT_ROUNDS:
                        retry.append(by_id[info["_id"]])
                    else:
                        results[info["_id"]] = (ok, info)
            except TRANSPORT_ERRORS as exc:
                self._wait_for_cluster(exc)
                pending = [a for ad_id, a in by_id.items() if ad_id not in results]
                continue
            if retry:
                rounds += 1
                self._wait_for_cluster(RuntimeError("transient bulk failures"))
                time.sleep(min(self.opts["max_backoff"], self.opts["initial_backoff"] * 2**rounds))
            pending = retry
        return list(results.values())

    # -- planning ----------------------------------------------------------------------------------
    def _prepare(self, record: dict[str, Any], now: str) -> dict[str, Any]:
        # Shallow copies suffice (and are 10x cheaper than deepcopy): only top-level keys and crawl change.
        doc = dict(record)
        crawl = doc["crawl"] = dict(doc["crawl"]) if isinstance(doc.get("crawl"), dict) else {}
        if not crawl.get("content_hash"):
            crawl["content_hash"] = content_hash(str(doc.get("title") or ""), str(doc.get("body") or ""))
        crawl.setdefault("last_seen", crawl.get("fetched_at") or now)
        crawl.setdefault("first_seen", crawl["last_seen"])
        doc["indexed_at"] = now
        return doc

    def _plan(self, doc: dict[str, Any], stored: dict[str, Any] | None) -> tuple[str, dict[str, Any] | None]:
        """Fill version/first_seen/kept blocks into ``doc``; return (outcome, archive doc without ``ad``)."""
        crawl = doc["crawl"]
        if stored is None:
            crawl["version"] = int(crawl.get("version") or 1)
            return "created", None
        old = stored["_source"]
        old_crawl = old.get("crawl") or {}
        old_version = int(old_crawl.get("version") or 1)
        crawl["first_seen"] = _pick_time(crawl["first_seen"], old_crawl.get("first_seen")) or crawl["first_seen"]
        crawl["last_seen"] = (
            _pick_time(crawl["last_seen"], old_crawl.get("last_seen"), latest=True) or crawl["last_seen"]
        )
        for block in DOWNSTREAM_BLOCKS:
            if block not in doc and block in old:
                doc[block] = old[block]
        if old_crawl.get("content_hash") == crawl["content_hash"]:
            crawl["version"] = old_version
            return "unchanged", None
        crawl["version"] = old_version + 1
        archive = {
            "ad_id": doc["id"],
            "version": old_version,
            "content_hash": old_crawl.get("content_hash"),
            "first_seen": old_crawl.get("first_seen"),
            "last_seen": old_crawl.get("last_seen"),
            "archived_at": doc["indexed_at"],
        }
        return "updated", archive

    # -- one chunk -------------------------------------------------------------------------------------
    def run_chunk(self, records: list[dict[str, Any]]) -> None:
        started = time.perf_counter()
        now = utc_now()
        todo: dict[str, dict[str, Any]] = {}
        for record in records:
            ad_id = record.get("id") if isinstance(record, dict) else None
            if not isinstance(ad_id, str) or not ad_id:
                self.report.failed += 1
                self.dead.write(record if isinstance(record, dict) else {"value": record}, None, "missing id")
                continue
            todo[ad_id] = record
        for _round in range(CONFLICT_ROUNDS):
            if not todo:
                break
            todo = self._write(todo, now)
            self.report.conflicts_retried += len(todo)
        for record in todo.values():
            self.report.failed += 1
            self.dead.write(record, 409, "version conflict persisted: the ad is being changed concurrently")
        self.report.chunk_seconds.append(time.perf_counter() - started)

    def _write(self, todo: dict[str, dict[str, Any]], now: str) -> dict[str, dict[str, Any]]:
        """Write one round; returns the records that hit a version conflict (to re-plan)."""
        stored = self._mget(list(todo))
        plans: dict[str, tuple[str, dict[str, Any]]] = {}
        archives: list[dict[str, Any]] = []
        for ad_id, record in todo.items():
            doc = self._prepare(record, now)
            outcome, archive = self._plan(doc, stored.get(ad_id))
            plans[ad_id] = (outcome, derive_fields(doc))
            if archive is not None:
                archives.append(
                    {
                        "_op_type": "index",
                        "_index": self.versions_alias,
                        "_id": f"{ad_id}:v{archive['version']}",
                        "_source": archive,
                    }
                )
        if archives:  # the whole earlier document, fetched only for the (few) ads that changed
            full = self._mget([a["_source"]["ad_id"] for a in archives], full=True)
            for action in archives:
                stored_doc = full.get(action["_source"]["ad_id"])
                action["_source"]["ad"] = stored_doc["_source"] if stored_doc else None
        blocked: set[str] = set()
        for ok, info in self._bulk(archives):
            if not ok:
                ad_id = info["_id"].rsplit(":v", 1)[0]
                blocked.add(ad_id)
                self._reject(todo[ad_id], info)
        actions = []
        for ad_id, (_outcome, doc) in plans.items():
            if ad_id in blocked:
                continue
            action: dict[str, Any] = {"_index": self.ads_alias, "_id": ad_id, "_source": doc}
            if ad_id in stored:
                action.update(
                    _op_type="index", if_seq_no=stored[ad_id]["_seq_no"], if_primary_term=stored[ad_id]["_primary_term"]
                )
            else:
                action["_op_type"] = "create"
            actions.append(action)
        self.report.versions_archived += len(archives) - len(blocked)
        conflicts: dict[str, dict[str, Any]] = {}
        for ok, info in self._bulk(actions):
            ad_id = info["_id"]
            if ok:
                outcome = plans[ad_id][0]
                setattr(self.report, outcome, getattr(self.report, outcome) + 1)
            elif info.get("status") == 409:
                conflicts[ad_id] = todo[ad_id]
            else:
                self._reject(todo[ad_id], info)
        return conflicts

    def _reject(self, record: dict[str, Any], info: dict[str, Any]) -> None:
        self.report.failed += 1
        error = info.get("error") or repr(info.get("exception"))
        self.dead.write(record, info.get("status"), error)


def index_ads(
    es: Elasticsearch,
    records: Iterable[dict[str, Any]],
    *,
    prefix: str | None = None,
    dead_letter_path: Path | None = None,
    chunk_size: int = 1000,
    max_chunk_bytes: int = 50 * 1024 * 1024,
    max_retries: int = 5,
    initial_backoff: float = 1.0,
    max_backoff: float = 30.0,
    unreachable_wait: float = 120.0,
    refresh: bool = False,
    on_chunk: Callable[[IndexReport], None] | None = None,
) -> IndexReport:
    """Upsert scored ads into ``<prefix>-ads`` (prefix from settings by default); see the module doc.

    Streams: memory is bounded by ``chunk_size``. Raises :class:`IndexingError`
    when the cluster stays unreachable for ``unreachable_wait`` seconds or the ads alias is missing.
    """
    prefix = prefix or get_settings().index_prefix
    dead = DeadLetters(dead_letter_path)
    opts = {
        "max_chunk_bytes": max_chunk_bytes,
        "max_retries": max_retries,
        "initial_backoff": initial_backoff,
        "max_backoff": max_backoff,
        "unreachable_wait": unreachable_wait,
    }
    indexer = _Indexer(es, prefix, dead, opts)
    started = time.perf_counter()
    try:
        indexer.check_aliases()
        for chunk in _chunks(records, chunk_size):
            indexer.run_chunk(chunk)
            if on_chunk:
                on_chunk(indexer.report)
        if refresh:
            es.indices.refresh(index=[indexer.ads_alias, indexer.versions_alias])
    finally:
        dead.close()
        indexer.report.dead_lettered = dead.count
        indexer.report.seconds = time.perf_counter() - started
    return indexer.report
