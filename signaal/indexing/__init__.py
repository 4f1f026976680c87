"""Bulk upsert of scored ads into Elasticsearch (retries, dead letters, versions).

Public API: :func:`index_ads` returning an :class:`IndexReport`; :func:`derive_fields`
for every other writer of ads (linking, rescoring) so derived fields stay consistent.
"""

from signaal.indexing.derive import derive_fields
from signaal.indexing.indexer import IndexingError, index_ads
from signaal.indexing.report import IndexReport

__all__ = ["IndexReport", "IndexingError", "derive_fields", "index_ads"]
