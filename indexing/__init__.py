"""Indexing: scored ads into Elasticsearch (retries, dead letters, versions) and rescoring in place.

Public API: :func:`indexing.indexer.index_ads` returning an :class:`indexing.report.IndexReport`;
:func:`indexing.derive.derive_fields` for every other writer of ads (linking, rescoring) so derived
fields stay consistent; :func:`indexing.rescore.rescore`. The package itself imports nothing, so
``signaal --help`` does not load the Elasticsearch client (docs/ARCHITECTURE.md, "CLI").
"""
