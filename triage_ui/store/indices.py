"""Make sure the UI's own indices exist before the app serves requests.

`signaal es init` is the normal way to publish mappings; `signaal ui` also applies the
UI kinds (through the same ``signaal.es.mappings`` code) when their alias is missing,
so a fresh cluster works without remembering the order of commands.
"""

from __future__ import annotations

from elasticsearch import Elasticsearch

from signaal.es.mappings import apply_mappings
from signaal.settings import alias

UI_KINDS = ("users", "sessions", "saved-searches", "alerts", "exports", "throttle")
USED_KINDS = ("ads", "ad-versions", "decisions", "audit", *UI_KINDS)


def ensure_ui_indices(es: Elasticsearch, prefix: str) -> None:
    missing = [kind for kind in USED_KINDS if not es.indices.exists_alias(name=alias(kind, prefix))]
    if missing:
        apply_mappings(es, prefix, kinds=missing)
