"""Record how a crawl ended in Elasticsearch (``<prefix>-crawl-runs``), where the admin page shows it.

The crawl's own summary (``signaal crawl`` prints it) becomes one document per site and run; a resumed
run updates its document. A crawl never fails because this record could not be written: the state
store (``signaal sites status``) holds the same status.
"""

from __future__ import annotations

from typing import Any

from elasticsearch import ApiError, AuthorizationException, TransportError

from signaal.es.client import get_client
from signaal.es.errors import EsSetupError
from signaal.es.mappings import apply_mappings
from signaal.ids import utc_now
from signaal.settings import alias, get_settings

FIELDS = (
    "site",
    "status",
    "stop_reason",
    "finished",
    "resumed",
    "ads",
    "pages",
    "failed",
    "pending",
    "robots_txt",
    "errors",
    "listing_stops",
    "image_errors",
    "elapsed_s",
)


def record_run(summary: dict[str, Any], prefix: str | None = None) -> str | None:
    """Index the summary as ``<site>:<run id>``; returns a one-line problem instead of raising.

    An installation that predates this kind gets its index here when the crawler's user may create it
    (as ``signaal ui`` does for its own kinds); a least-privilege user may not, and then the problem names
    the command that does (``signaal es init``). Never an index auto-created under the alias' name.
    """
    doc = {key: summary.get(key) for key in FIELDS} | {"run_id": summary.get("run_id"), "ended_at": utc_now()}
    target = alias("crawl-runs", prefix)
    try:
        es = get_client(component="indexer")
        if not es.indices.exists_alias(name=target):
            try:
                apply_mappings(es, prefix or get_settings().index_prefix, kinds=["crawl-runs"])
            except AuthorizationException:
                return f"crawl status not recorded: index {target} missing; run `signaal es init` first"
        es.index(index=target, id=f"{doc['site']}:{doc['run_id']}", document=doc)
    except (ApiError, TransportError, EsSetupError) as exc:
        return f"crawl status not recorded in Elasticsearch: {type(exc).__name__}: {str(exc)[:200]}"
    return None
