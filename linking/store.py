"""Elasticsearch reads and writes of the linking job (ads in, links / clusters / ad blocks out).

Queries are dicts built from typed values; every bulk write is checked per
item. Only linking's own blocks of an ad are written (partial updates), so
the crawler, indexer and analysts can keep writing theirs concurrently.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError, helpers

# what linking reads from an ad
SOURCE_FIELDS = [
    "id",
    "site",
    "title",
    "body",
    "posted_at",
    "entities",
    "images.sha256",
    "images.phash",
    "images.exif.gps",
    "crawl.first_seen",
    "crawl.last_seen",
    "risk",
    "indicators.code",
    "cluster",
    "link_indicators",
    "text_minhash",
    "photo_chunks",
    "photo_places",
    "priority",
    "indicator_codes",
]
# which ads-index field holds each kind of linking value (text bands, photo chunks, photo places: linking's own)
VALUE_FIELDS = {
    "phone": "entities.phones",
    "email": "entities.emails",
    "handle": "entities.handles.handle",
    "image_sha256": "images.sha256",
    "image_phash": "images.phash",
    "text_band": "text_minhash.bands",
    "photo_chunk": "photo_chunks",
    "photo_gps": "photo_places",
}
STATE_ID = "_linking_state"
TERMS_BATCH = 5000


class BulkWriteError(RuntimeError):
    """Some documents could not be written (message names how many and the first error)."""


def scan_ads(es: Elasticsearch, index: str, query: dict[str, Any], batch: int) -> Iterator[dict[str, Any]]:
    """Every ad matching ``query`` (linking fields only), ``id`` filled from ``_id``."""
    for hit in helpers.scan(
        es, index=index, query={"query": query, "_source": SOURCE_FIELDS}, size=batch, preserve_order=False
    ):
        source = hit["_source"]
        source["id"] = hit["_id"]
        yield source


def ids_query(ids: Iterable[str]) -> dict[str, Any]:
    return {"ids": {"values": list(ids)}}


def batches(values: list[str], size: int = TERMS_BATCH) -> Iterator[list[str]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def values_query(values: Mapping[str, Iterable[str]]) -> dict[str, Any] | None:
    """Ads carrying any of the given values: one bool/should of terms queries per field."""
    by_field: dict[str, set[str]] = {}
    for kind, vals in values.items():
        by_field.setdefault(VALUE_FIELDS[kind], set()).update(vals)
    should = [{"terms": {f: sorted(v)}} for f, v in sorted(by_field.items()) if v]
    return {"bool": {"should": should, "minimum_should_match": 1}} if should else None


def search_values(
    es: Elasticsearch, index: str, values: Mapping[str, Iterable[str]], batch: int
) -> Iterator[dict[str, Any]]:
    """Ads carrying any of ``values`` (kind -> values), in batches that stay under the terms limit."""
    flat = [(kind, v) for kind, vals in values.items() for v in sorted(vals)]
    for i in range(0, len(flat), TERMS_BATCH):
        chunk: dict[str, set[str]] = {}
        for kind, v in flat[i : i + TERMS_BATCH]:
            chunk.setdefault(kind, set()).add(v)
        query = values_query(chunk)
        if query is not None:
            yield from scan_ads(es, index, query, batch)


def value_counts(es: Elasticsearch, index: str, values: Mapping[str, Iterable[str]]) -> dict[tuple[str, str], int]:
    """How many ads in the whole index carry each value (terms aggregations restricted to those values)."""
    counts: dict[tuple[str, str], int] = {}
    for kind, vals in values.items():
        field = VALUE_FIELDS[kind]
        for chunk in batches(sorted(set(vals))):
            body = {
                "size": 0,
                "query": {"terms": {field: chunk}},
                "aggs": {"v": {"terms": {"field": field, "include": chunk, "size": len(chunk)}}},
            }
            response = es.search(index=index, body=body)
            for bucket in response["aggregations"]["v"]["buckets"]:
                counts[(kind, str(bucket["key"]))] = int(bucket["doc_count"])
    return counts


def bulk_write(es: Elasticsearch, actions: Iterable[dict[str, Any]], *, ignore_missing: bool = False) -> int:
    """Run bulk actions, checking every item; returns how many succeeded, raises on real failures."""
    ok_count, errors = 0, []
    for ok, info in helpers.streaming_bulk(
        es,
        actions,
        chunk_size=1000,
        max_retries=5,
        initial_backoff=1,
        raise_on_error=False,
        raise_on_exception=False,
    ):
        if ok:
            ok_count += 1
            continue
        item = next(iter(info.values()))
        if ignore_missing and item.get("status") == 404:
            continue
        errors.append(item)
    if errors:
        first = errors[0]
        raise BulkWriteError(f"{len(errors)} linking writes failed; first: {first.get('_id')}: {first.get('error')}")
    return ok_count


def docs_matching(es: Elasticsearch, index: str, query: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """id -> source of every document matching ``query`` (links / clusters: small documents)."""
    return {hit["_id"]: hit["_source"] for hit in helpers.scan(es, index=index, query={"query": query})}


def docs_by_terms(es: Elasticsearch, index: str, field: str, values: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Documents whose ``field`` holds any of ``values`` (batched under the terms limit)."""
    out: dict[str, dict[str, Any]] = {}
    for chunk in batches(sorted(set(values))):
        out.update(docs_matching(es, index, {"terms": {field: chunk}}))
    return out


def read_state(es: Elasticsearch, links_index: str) -> dict[str, Any] | None:
    """The checkpoint of the last run (kept in the links index so it travels with the links)."""
    try:
        return es.get(index=links_index, id=STATE_ID)["_source"]
    except NotFoundError:
        return None


def write_state(es: Elasticsearch, links_index: str, state: dict[str, Any]) -> None:
    es.index(index=links_index, id=STATE_ID, document={"kind": "_state", **state}, refresh=True)
