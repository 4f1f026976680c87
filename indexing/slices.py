"""Split a batch job over processes with Elasticsearch's sliced point-in-time search.

A point-in-time (PIT) freezes what a search sees; ``slice: {id, max}`` divides its
documents into ``max`` disjoint parts that together are all of them. Each part is
read by its own process (``spawn``: nothing inherited but what is passed, so no
client, lock or thread of the parent crosses over), which does the CPU work of
the job on its share, so a job runs on as many cores as it has workers, while the
parent only collects what the workers report. Used by ``signaal rescore --workers``
and ``signaal link --workers``.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
# how long the parent waits for a report before it checks that its workers are alive
POLL_S = 1.0


class SliceError(RuntimeError):
    """A worker failed or died; the message names its slice and the cause."""


@contextlib.contextmanager
def point_in_time(es: Any, index: str, keep_alive: str) -> Iterator[str]:
    """A PIT over ``index`` for the duration of the block (closed even when the job fails)."""
    pit = es.open_point_in_time(index=index, keep_alive=keep_alive)["id"]
    try:
        yield pit
    finally:
        with contextlib.suppress(Exception):  # an expired PIT has nothing left to close
            es.close_point_in_time(id=pit)


def pit_pages(
    es: Any,
    pit: str,
    query: dict[str, Any],
    page_size: int,
    part: tuple[int, int] | None = None,
    *,
    keep_alive: str,
    source: list[str] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Pages of hits of the point-in-time ``pit`` (``search_after`` in ``_shard_doc`` order); ``part`` =
    (slice id, slices) reads only that slice, ``source`` limits the fields returned."""
    search_after = None
    while True:
        body: dict[str, Any] = {
            "size": page_size,
            "query": query,
            "pit": {"id": pit, "keep_alive": keep_alive},
            "sort": [{"_shard_doc": "asc"}],
            "track_total_hits": False,
        }
        if part is not None:
            body["slice"] = {"id": part[0], "max": part[1]}
        if source is not None:
            body["_source"] = source
        if search_after is not None:
            body["search_after"] = search_after
        resp = es.search(**body)
        pit = resp.get("pit_id", pit)
        hits = resp["hits"]["hits"]
        if not hits:
            return
        yield hits
        search_after = hits[-1]["sort"]


def _run_one(reports: Any, work: Callable[..., Iterable[Any]], part: tuple[int, int], args: tuple[Any, ...]) -> None:
    """Worker process body: run ``work`` on one slice and send back everything it yields, then "done"."""
    try:
        for item in work(part, *args):
            reports.put(("item", item))
        reports.put(("done", part[0]))
    except BaseException as exc:
        reports.put(("error", f"slice {part[0]} of {part[1]}: {type(exc).__name__}: {exc}"))
        raise


def run_slices(work: Callable[..., Iterable[T]], slices: int, *args: Any) -> Iterator[T]:
    """Run ``work((slice_id, slices), *args)`` in ``slices`` processes; yield what they yield, as it arrives.

    ``work`` must be a module-level function (it is pickled by name) and ``args`` picklable. Raises
    :class:`SliceError` when a worker raises or dies; the other workers are then stopped.
    """
    ctx = multiprocessing.get_context("spawn")
    reports = ctx.Queue(maxsize=4 * slices)
    procs = [ctx.Process(target=_run_one, args=(reports, work, (i, slices), args)) for i in range(slices)]
    for proc in procs:
        proc.start()
    done = 0
    try:
        while done < slices:
            try:
                kind, payload = reports.get(timeout=POLL_S)
            except queue.Empty:
                dead = [p for p in procs if p.exitcode not in (None, 0)]
                if dead:
                    raise SliceError(f"a worker died (exit code {dead[0].exitcode})") from None
                continue
            if kind == "error":
                raise SliceError(payload)
            if kind == "done":
                done += 1
            else:
                yield payload
    finally:
        for proc in procs:
            if proc.is_alive() and done < slices:
                proc.terminate()
            proc.join(timeout=30)
        reports.close()
