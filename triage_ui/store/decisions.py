"""Analyst decisions: an append-only decision doc plus the ad's ``triage`` block.

The ad update is conditional on the ``_seq_no``/``_primary_term`` captured when the
analyst's page was rendered. If the ad changed since, and the change was another
decision (not, say, a rescore touching ``priority``), the second analyst gets
``DecisionConflict`` and nothing is overwritten.

Deciding an ad someone else decided before is allowed (a second opinion), but it is
recorded in the triage block as ``overrode`` ({user, status, at} of the decision it
replaced, kept while the same person keeps deciding) so that export rights follow the
person who decided first (``store.exports.may_export``), and the routers audit it and
tell the other person. An ad assigned to someone else is not re-assigned without the
``assign_any`` permission.
"""

from __future__ import annotations

from dataclasses import dataclass

from elasticsearch import ConflictError, NotFoundError

from signaal.es.append_only import append
from signaal.ids import utc_iso
from triage_ui.context import UIContext, utcnow
from triage_ui.store.ads import DECISIONS

LABEL_VALUES = ("yes", "no", "unknown")


class DecisionConflict(Exception):  # noqa: N818
    """Someone else decided (or assigned) this ad after the page was rendered."""

    def __init__(self, current_triage: dict, reason: str = "changed") -> None:
        super().__init__("someone else decided this ad")
        self.current_triage = current_triage
        self.reason = reason  # "changed" since the page was rendered, or "assigned" to someone else


@dataclass(frozen=True)
class Decision:
    ad_id: str
    decision: str
    label_minor: str = "unknown"
    label_trafficking: str = "unknown"
    notes: str = ""

    def __post_init__(self) -> None:
        if self.decision not in DECISIONS:
            raise ValueError(f"unknown decision {self.decision!r}")
        if self.label_minor not in LABEL_VALUES or self.label_trafficking not in LABEL_VALUES:
            raise ValueError("labels must be yes, no or unknown")
        if len(self.notes) > 5000:
            raise ValueError("notes are limited to 5000 characters")


def triage_stamp(triage: dict | None) -> str:
    """A fingerprint of the triage block; unchanged stamp = nobody else decided/assigned."""
    triage = triage or {}
    return "|".join(str(triage.get(k) or "") for k in ("status", "decided_by", "decided_at", "assigned_to"))


def _conditional_update(ctx: UIContext, ad_id: str, triage: dict, seq_no: int, primary_term: int, stamp: str) -> None:
    """Update ``triage`` if nobody changed it since render; retry once past unrelated writes."""
    for _attempt in range(3):
        try:
            ctx.es.update(
                index=ctx.alias("ads"),
                id=ad_id,
                doc={"triage": triage},
                if_seq_no=seq_no,
                if_primary_term=primary_term,
                refresh="wait_for",
            )
            return
        except ConflictError:
            try:
                current = ctx.es.get(index=ctx.alias("ads"), id=ad_id, source_includes=["triage"])
            except NotFoundError as exc:
                raise DecisionConflict({}) from exc
            current_triage = current["_source"].get("triage") or {}
            if triage_stamp(current_triage) != stamp:
                raise DecisionConflict(current_triage) from None
            seq_no, primary_term = current["_seq_no"], current["_primary_term"]
    raise DecisionConflict({})


def decision_entries(
    decision: Decision, *, user: str, role: str, previous_triage: dict, cluster_id: str | None
) -> tuple[dict, dict]:
    """The ad's new ``triage`` block and the decision log entry: one shape for every writer of decisions."""
    now = utc_iso(utcnow())
    labels = {"minor": decision.label_minor, "trafficking": decision.label_trafficking}
    triage = {
        "status": decision.decision,
        "assigned_to": previous_triage.get("assigned_to") or user,
        "decided_by": user,
        "decided_at": now,
        "labels": labels,
    }
    overridden = overridden_decision(previous_triage, user)
    carried = overridden or (previous_triage.get("overrode") if previous_triage.get("decided_by") == user else None)
    if carried:
        triage["overrode"] = carried
    doc = {
        "ad_id": decision.ad_id,
        "cluster_id": cluster_id,
        "decision": decision.decision,
        "labels": labels,
        "notes": decision.notes,
        "user": user,
        "role": role,
        "decided_at": now,
    }
    return triage, doc


def decide(
    ctx: UIContext,
    decision: Decision,
    *,
    user: str,
    role: str,
    seq_no: int,
    primary_term: int,
    stamp: str,
    previous_triage: dict,
    cluster_id: str | None,
) -> tuple[dict, dict | None]:
    """Record the decision; return the new triage block and the decision it overrode (someone else's), if any."""
    triage, doc = decision_entries(
        decision, user=user, role=role, previous_triage=previous_triage, cluster_id=cluster_id
    )
    _conditional_update(ctx, decision.ad_id, triage, seq_no, primary_term, stamp)
    append(ctx.es, "decisions", doc, prefix=ctx.prefix)
    return triage, overridden_decision(previous_triage, user)


def overridden_decision(previous_triage: dict, user: str) -> dict | None:
    """The decision of someone other than ``user`` that a new decision by ``user`` replaces."""
    decided_by = previous_triage.get("decided_by")
    if not decided_by or decided_by == user:
        return None
    return {"user": decided_by, "status": previous_triage.get("status"), "at": previous_triage.get("decided_at")}


def assign(
    ctx: UIContext,
    ad_id: str,
    *,
    user: str,
    seq_no: int,
    primary_term: int,
    stamp: str,
    previous_triage: dict,
    take_over: bool = False,
) -> None:
    """Assign the ad to ``user``; an ad assigned to someone else needs ``take_over`` (409 otherwise)."""
    holder = previous_triage.get("assigned_to")
    if holder and holder != user and not take_over:
        raise DecisionConflict(previous_triage, reason="assigned")
    triage = {**previous_triage, "status": previous_triage.get("status") or "new", "assigned_to": user}
    _conditional_update(ctx, ad_id, triage, seq_no, primary_term, stamp)


def history(ctx: UIContext, ad_id: str) -> list[dict]:
    try:
        resp = ctx.es.search(
            index=ctx.alias("decisions"), query={"term": {"ad_id": ad_id}}, sort=[{"decided_at": "desc"}], size=50
        )
    except NotFoundError:
        return []
    return [hit["_source"] for hit in resp["hits"]["hits"]]
