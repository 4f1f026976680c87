"""Append-only audit trail in ``<prefix>-audit``: who did what, when, from where.

Every document is written with ``op_type=create`` and an auto id, so nothing in the UI
can update or delete an earlier entry. Writes skip refresh to keep page views fast.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from signaal.es.append_only import append
from signaal.ids import utc_iso
from triage_ui.context import UIContext, parse_iso, utcnow

ACTIONS = (
    "login",
    "login_failed",
    "logout",
    "mfa",
    "password",
    "view",
    "view_photo",
    "search",
    "decision",
    "override",
    "assign",
    "alert",
    "export",
    "denied",
    "user_admin",
    "saved_search",
    "promote",
    "proposal",
    "withdraw_proposal",
)
AUDIT_CSV_HEADER = ["at", "user", "role", "action", "target_type", "target_id", "outcome", "ip", "worker", "details"]


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
    worker: str | None = None,
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
        "worker": worker,
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
    target: str | None = None,
    since: str | None = None,
    until: str | None = None,
    size: int = 200,
) -> dict:
    """Newest entries first, filtered by exact user, action and target (an ad id, a user...) and a time range."""
    filters: list[dict] = [{"term": {field: value}} for field, value in (("user", user), ("action", action)) if value]
    if target:  # the entry's own target, or one of the ads a bulk action or export named
        filters.append({"bool": {"should": [{"term": {"target_id": target}}, {"term": {"details.ads": target}}]}})
    time_range = {}
    if since and (start := parse_iso(since if "T" in since else since + "T00:00:00Z")):
        time_range["gte"] = utc_iso(start)
    if until and (end := parse_iso(until if "T" in until else until + "T00:00:00Z")):
        # a bare date means the whole of that day
        time_range["lte" if "T" in until else "lt"] = utc_iso(end if "T" in until else end + timedelta(days=1))
    if time_range:
        filters.append({"range": {"at": time_range}})
    return ctx.es.search(
        index=ctx.alias("audit"),
        query={"bool": {"filter": filters}},
        size=size,
        sort=[{"at": "desc"}],
        track_total_hits=True,
    )


def csv_row(entry: dict) -> list[object]:
    """One audit entry as a CSV row (``AUDIT_CSV_HEADER``); details as compact JSON."""
    return [
        *(entry.get(key) for key in AUDIT_CSV_HEADER[:-1]),
        json.dumps(entry.get("details") or {}, ensure_ascii=False, sort_keys=True),
    ]
