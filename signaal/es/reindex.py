"""Move one kind to a fresh index built from the current template, then swap the alias atomically.

Pattern of elasticsearch-py's ``examples/dsl/alias_migration.py``: the template is
re-published, a new versioned index is created, documents are copied, and one
``_aliases`` call moves the alias (and the write flag) so readers never see a
gap. The provisioned integ-test server has no ``_reindex`` API, so when the
server refuses it the copy is done client-side (scan + bulk) instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from elasticsearch import ApiError, Elasticsearch, helpers

from signaal.es.errors import EsSetupError
from signaal.es.mappings import apply_spec, get_spec


@dataclass
class ReindexResult:
    kind: str
    old_indices: list[str]
    new_index: str
    copied: int
    deleted_old: bool
    server_side: bool


def _copy(es: Elasticsearch, source: str, dest: str) -> tuple[int, bool]:
    """Copy all documents; prefer the server's ``_reindex``, fall back to scan+bulk."""
    try:
        resp = es.reindex(
            source={"index": source},
            dest={"index": dest, "op_type": "create"},
            wait_for_completion=True,
            refresh=True,
            conflicts="proceed",
        )
        if resp.get("failures"):
            raise EsSetupError(f"_reindex reported failures: {str(resp['failures'][0])[:300]}")
        return int(resp.get("created", 0)), True
    except ApiError as exc:
        if exc.meta.status not in (400, 404, 405):
            raise
    # helpers.reindex() asks for data streams, which this server lacks too: scan + bulk by hand.
    docs = helpers.scan(es, index=source, size=1000, preserve_order=False)
    actions = ({"_op_type": "create", "_index": dest, "_id": d["_id"], "_source": d["_source"]} for d in docs)
    ok, errors = 0, []
    for success, info in helpers.streaming_bulk(es, actions, chunk_size=1000, max_retries=3, raise_on_error=False):
        if success:
            ok += 1
        else:
            errors.append(info)
    es.indices.refresh(index=dest)
    if errors:
        raise EsSetupError(f"copy into {dest} failed for {len(errors)} documents, e.g. {str(errors[0])[:300]}")
    return int(ok), False


def reindex_kind(es: Elasticsearch, prefix: str, kind: str = "ads", *, keep_old: bool = True) -> ReindexResult:
    """New ``<prefix>-<kind>-v<version>[-r<timestamp>]``, copy, swap alias in one call, keep/delete old."""
    spec = get_spec(kind)
    alias = spec.alias(prefix)
    apply_spec(es, spec, prefix)  # template current; alias exists afterwards
    old = sorted(es.indices.get_alias(name=alias).body)
    new = spec.index_name(prefix)
    stamp = time.strftime("-r%Y%m%d%H%M%S", time.gmtime())
    serial = 0
    while new in old or es.indices.exists(index=new):  # two reindexes in one second get distinct names
        serial += 1
        new = spec.index_name(prefix, suffix=f"{stamp}{serial:02d}")
    es.indices.create(index=new)
    copied, server_side = _copy(es, alias, new)
    actions = [{"remove": {"index": index, "alias": alias}} for index in old]
    actions.append({"add": {"index": new, "alias": alias, "is_write_index": True}})
    es.indices.update_aliases(actions=actions)
    if not keep_old:
        for index in old:
            es.indices.delete(index=index)
    return ReindexResult(kind, old, new, copied, not keep_old, server_side)
