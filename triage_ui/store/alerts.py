"""The inbox: alerts per user (new matches of saved searches, decisions of theirs someone overrode).

Match alerts are made by ``store.search.refresh_inbox`` (id ``<search id>:<ad id>``);
override notices here (id ``override:<ad id>:<time>``). Alerts belong to one user:
another user gets "no such alert".
"""

from __future__ import annotations

from elasticsearch import NotFoundError

from signaal.ids import utc_iso
from triage_ui.context import UIContext, utcnow


def add_override_notice(
    ctx: UIContext, *, to: str, ad_id: str, ad_title: str | None, by: str, was: str, now: str
) -> None:
    """Tell ``to`` that ``by`` replaced their decision ``was`` on ``ad_id`` with ``now``."""
    at = utc_iso(utcnow())
    ctx.es.index(
        index=ctx.alias("alerts"),
        id=f"override:{ad_id}:{at}",
        document={
            "user": to,
            "kind": "override",
            "search_id": "override",
            "search_name": f"decision changed by {by}",
            "message": f"{by} changed your decision '{was}' to '{now}'",
            "ad_id": ad_id,
            "ad_title": ad_title,
            "created_at": at,
            "dismissed": False,
        },
    )


def inbox(ctx: UIContext, user: str) -> list[dict]:
    resp = ctx.es.search(
        index=ctx.alias("alerts"),
        size=200,
        sort=[{"created_at": "desc"}],
        query={"bool": {"filter": [{"term": {"user": user}}, {"term": {"dismissed": False}}]}},
    )
    return [{"id": h["_id"], **h["_source"]} for h in resp["hits"]["hits"]]


def dismiss(ctx: UIContext, user: str, alert_id: str) -> dict | None:
    """Dismiss the user's own alert and return it; None when missing or someone else's (same answer)."""
    try:
        doc = ctx.es.get(index=ctx.alias("alerts"), id=alert_id)
    except NotFoundError:
        return None
    if doc["_source"].get("user") != user:
        return None
    ctx.es.update(index=ctx.alias("alerts"), id=alert_id, doc={"dismissed": True}, refresh="wait_for")
    return doc["_source"]
