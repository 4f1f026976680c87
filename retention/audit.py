"""Record a retention run in the append-only audit log (who, what, when, how many)."""

from __future__ import annotations

from elasticsearch import Elasticsearch

from retention.apply import RetentionReport
from signaal.es.append_only import append
from signaal.ids import utc_now


def record_run(es: Elasticsearch, report: RetentionReport, *, actor: str) -> None:
    """Append one audit entry for the run; a dry run is recorded too (it reads personal data)."""
    details = report.as_dict()
    details["sample_ids"] = report.sample_ids[:20]
    append(
        es,
        "audit",
        {
            "at": utc_now(),
            "user": actor,
            "role": "system",
            "action": "retention.dry_run" if report.dry_run else "retention.apply",
            "target_type": "ads",
            "target_id": report.cutoff,
            "outcome": "error" if report.errors else "ok",
            "details": {k: str(v) for k, v in details.items()},
        },
        refresh="wait_for",
    )
