"""Small helpers shared by routers: form tokens that pin an ad's version, recording an override."""

from __future__ import annotations

import json
from dataclasses import dataclass

from fastapi import HTTPException, Request

from triage_ui.context import UIContext
from triage_ui.deps import audit_log
from triage_ui.store.alerts import add_override_notice
from triage_ui.store.decisions import triage_stamp


@dataclass(frozen=True)
class AdToken:
    """What a page captured about an ad when rendered: id, seq_no, primary_term, triage stamp."""

    ad_id: str
    seq_no: int
    primary_term: int
    stamp: str

    def encode(self) -> str:
        return json.dumps([self.ad_id, self.seq_no, self.primary_term, self.stamp])

    @classmethod
    def from_hit(cls, hit: dict) -> AdToken:
        return cls(hit["_id"], hit["_seq_no"], hit["_primary_term"], triage_stamp(hit["_source"].get("triage")))

    @classmethod
    def decode(cls, raw: str) -> AdToken:
        try:
            ad_id, seq_no, term, stamp = json.loads(raw)
            if not (isinstance(ad_id, str) and isinstance(stamp, str)):
                raise TypeError
            return cls(ad_id, int(seq_no), int(term), stamp)
        except (ValueError, TypeError) as exc:
            raise HTTPException(400, "malformed ad selection") from exc


def record_override(request: Request, ctx: UIContext, ad: dict, overridden: dict | None, decision: str) -> None:
    """Audit a decision that replaced someone else's, and put a notice in their inbox."""
    if overridden is None:
        return
    by = request.state.principal.name
    audit_log(
        request,
        "override",
        target=ad["id"],
        details={"previous_user": overridden["user"], "previous": overridden["status"], "decision": decision},
    )
    add_override_notice(
        ctx,
        to=overridden["user"],
        ad_id=ad["id"],
        ad_title=ad.get("title"),
        by=by,
        was=overridden["status"],
        now=decision,
    )
