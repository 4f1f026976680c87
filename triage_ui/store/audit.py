"""Append-only audit trail in ``<prefix>-audit``: who did what, when, from where.

Every document is written with ``op_type=create`` and an auto id, so nothing in the UI
can update or delete an earlier entry. Writes skip refresh to keep page views fast.
"""

from __future__ import annotations

from typing import Any

from signaal.es.append_only import append
from signaal.ids import utc_iso
from triage_ui.context import UIContext, parse_iso, utcnow

ACTIONS = (
    "login",
    "login_failed",
    "logout",
    "view",
    "search",
    "decision",
    "assign",
    "export",
    "denied",
    "user_admin",
    "saved_search",
    "promote",
)


def log(
    ctx: UIContext,
    *,
    action: str,
    user: str | None,
    role: str | None,
    ip: str,
    user_agent: str,
    target: str | None = None,
    target_type: str | None = None,
    outcome: str = "ok",
    details: dict[str, Any] | None = None,
    request_id: str | None = None,
    refresh: bool = False,
) -> None:
    doc = {
        "at": utc_iso(utcnow()),
        "user": user or "-",
        "role": role or "-",
        "action": action,
        "target_type": target_type,
        "target_id": target,
        "outcome": outcome,
        "request_id": request_id,
        "ip": ip,
        "user_agent": user_agent[:512],
        "details": details or {},
    }
    append(ctx.es, "audit", doc, prefix=ctx.prefix, refresh="wait_for" if refresh else False)


def browse(
    ctx: UIContext,
    *,
    user: str | None = None,
    action: str | None = None,
    since: str | None = None,
    until: str | None = None,
    size: int = 200,
) -> dict:
    """Newest entries first, filtered by exact user/action and a time range."""
    filters: list[dict] = []
    if user:
        filters.append({"term": {"user": user}})
    if action:
        filters.append({"term": {"action": action}})
    time_range = {
        key: utc_iso(moment)
        for key, value in (("gte", since), ("lte", until))
        if value and (moment := parse_iso(value if "T" in value else value + "T00:00:00Z"))
    }
    if time_range:
        filters.append({"range": {"at": time_range}})
    return ctx.es.search(
        index=ctx.alias("audit"),
        query={"bool": {"filter": filters}},
        size=size,
        sort=[{"at": "desc"}],
        track_total_hits=True,
    )
