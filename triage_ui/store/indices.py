"""Make sure the UI's own indices exist before the app serves requests.

`signaal es init` is the normal way to publish mappings; `signaal ui` also applies the
UI kinds (through the same ``signaal.es.mappings`` code) when their alias is missing,
so a fresh cluster works without remembering the order of commands.
"""

from __future__ import annotations

from elasticsearch import AuthorizationException, Elasticsearch

from signaal.es.errors import EsSetupError
from signaal.es.mappings import apply_mappings
from signaal.settings import alias

UI_KINDS = ("users", "sessions", "saved-searches", "alerts", "exports", "throttle")
USED_KINDS = ("ads", "ad-versions", "decisions", "audit", "crawl-runs", *UI_KINDS)


def ensure_ui_indices(es: Elasticsearch, prefix: str) -> None:
    missing = [kind for kind in USED_KINDS if not es.indices.exists_alias(name=alias(kind, prefix))]
    if missing:
        try:
            apply_mappings(es, prefix, kinds=missing)
        except AuthorizationException:
            # The UI's own user may not create indices (least privilege): that is `signaal es init`'s job.
            raise EsSetupError(f"indices missing for {', '.join(missing)}: run `signaal es init` first") from None
