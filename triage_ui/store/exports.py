"""Which ads a user may export, the export rows, and the export log.

Investigators and admins export any ad. Analysts (``export_own_leads``) export an ad
assigned to them, or a lead they decided themselves that nobody else had decided
before them (``triage.overrode`` is empty): re-deciding someone else's lead as "lead"
does not make it yours to export. Every export is logged in ``<prefix>-exports`` with
the SHA-256 of the file handed out, besides the audit entry.
"""

from __future__ import annotations

import hashlib

from signaal.ids import utc_iso
from triage_ui.context import UIContext, utcnow
from triage_ui.store.users import Principal

CSV_HEADER = [
    "id",
    "site",
    "url",
    "title",
    "status",
    "decided_by",
    "decided_at",
    "priority",
    "risk_minor",
    "risk_trafficking",
    "indicators",
    "phones",
    "emails",
    "handles",
    "cities",
    "ages",
    "first_seen",
    "cluster_id",
    "evidence_sha256",
    "warc_file",
    "warc_record_id",
    "fetched_at",
]


def may_export(principal: Principal, ad: dict) -> bool:
    if principal.can("export"):
        return True
    if not principal.can("export_own_leads"):
        return False
    triage = ad.get("triage") or {}
    if triage.get("assigned_to") == principal.name:
        return True
    return triage.get("status") == "lead" and triage.get("decided_by") == principal.name and not triage.get("overrode")


def own_leads_query(user: str) -> dict:
    """Leads ``user`` may export under ``may_export``: assigned to them, or decided by them over nobody."""
    decided_alone = {
        "bool": {
            "filter": [{"term": {"triage.decided_by": user}}],
            "must_not": [{"exists": {"field": "triage.overrode"}}],
        }
    }
    return {
        "bool": {
            "filter": [{"term": {"triage.status": "lead"}}],
            "should": [{"term": {"triage.assigned_to": user}}, decided_alone],
            "minimum_should_match": 1,
        }
    }


def csv_row(ad: dict) -> list[object]:
    triage, risk, ents = ad.get("triage") or {}, ad.get("risk") or {}, ad.get("entities") or {}
    evidence, crawl = ad.get("evidence") or {}, ad.get("crawl") or {}
    handles = [f"{h.get('platform')}:{h.get('handle')}" for h in ents.get("handles") or [] if isinstance(h, dict)]
    return [
        ad.get("id"),
        ad.get("site"),
        ad.get("url"),
        ad.get("title"),
        triage.get("status", "new"),
        triage.get("decided_by"),
        triage.get("decided_at"),
        ad.get("priority"),
        risk.get("minor"),
        risk.get("trafficking"),
        " ".join(sorted({i.get("code", "") for i in ad.get("indicators") or []})),
        " ".join(ents.get("phones") or []),
        " ".join(ents.get("emails") or []),
        " ".join(handles),
        "; ".join(loc.get("name", "") for loc in ents.get("locations") or [] if isinstance(loc, dict)),
        " ".join(str(a) for a in ents.get("ages") or []),
        crawl.get("first_seen"),
        (ad.get("cluster") or {}).get("id"),
        evidence.get("sha256"),
        evidence.get("warc_file"),
        evidence.get("record_id"),
        evidence.get("fetched_at") or crawl.get("fetched_at"),
    ]


def log_export(
    ctx: UIContext,
    principal: Principal,
    *,
    fmt: str,
    scope: str,
    ad_ids: list[str],
    payload: bytes,
    cluster_id: str | None = None,
) -> str:
    digest = hashlib.sha256(payload).hexdigest()
    ctx.es.index(
        index=ctx.alias("exports"),
        document={
            "user": principal.name,
            "role": principal.role,
            "format": fmt,
            "scope": scope,
            "ad_ids": ad_ids[:10_000],
            "cluster_id": cluster_id,
            "sha256": digest,
            "count": len(ad_ids),
            "created_at": utc_iso(utcnow()),
        },
    )
    return digest
