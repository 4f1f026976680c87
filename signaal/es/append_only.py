"""The only way to write to an append-only kind (``decisions``, ``audit``): create, never update.

Each entry gets a fresh id and is written with ``op_type=create``, so an
existing entry can never be overwritten through this path, and there is no
update or delete function here at all. (Elasticsearch itself cannot forbid
updates on an index without also forbidding new writes; this module plus code
review is the rule. Retention, if ever needed, deletes whole indices.)
"""

from __future__ import annotations

import uuid
from typing import Any

from elasticsearch import Elasticsearch

from signaal.es.errors import EsSetupError
from signaal.es.mappings import get_spec
from signaal.settings import alias


def append(
    es: Elasticsearch,
    kind: str,
    entry: dict[str, Any],
    *,
    prefix: str | None = None,
    refresh: bool | str = False,
) -> str:
    """Add one entry to ``<prefix>-<kind>`` and return its id; refuses kinds not marked ``append_only``."""
    if not get_spec(kind).append_only:
        raise EsSetupError(f"{kind} is not an append-only kind (see es_mappings/{kind}.json)")
    entry_id = uuid.uuid4().hex
    es.index(index=alias(kind, prefix), id=entry_id, document=entry, op_type="create", refresh=refresh)
    return entry_id
