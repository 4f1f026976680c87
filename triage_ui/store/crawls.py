"""How the crawls ended, as ``signaal crawl`` recorded them (``<prefix>-crawl-runs``; crawler.runreport)."""

from __future__ import annotations

from elasticsearch import NotFoundError

from triage_ui.context import UIContext

LAYOUT_CHANGED = "layout_changed"  # the status crawler.state records; the UI does not import the crawler
STATUS_LABELS = {"finished": "finished", "stopped": "stopped early (resumes)", LAYOUT_CHANGED: "site layout changed"}


def recent_runs(ctx: UIContext, size: int = 100) -> list[dict]:
    """The newest crawl runs first, each with a readable ``status_label``."""
    try:
        resp = ctx.es.search(
            index=ctx.alias("crawl-runs"), size=size, sort=[{"ended_at": {"order": "desc", "missing": "_last"}}]
        )
    except NotFoundError:
        return []
    runs = [hit["_source"] for hit in resp["hits"]["hits"]]
    for run in runs:
        run["status_label"] = STATUS_LABELS.get(run.get("status"), str(run.get("status") or "unknown"))
    return runs
