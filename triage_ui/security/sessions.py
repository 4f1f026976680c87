"""Server-side sessions in ``<prefix>-sessions``.

The cookie carries a random 256-bit value; ES stores only its SHA-256, so a leaked index
snapshot cannot be replayed as a login. A session can be revoked (logout, account
disabled) because it lives on the server, which a signed client cookie cannot offer.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from elasticsearch import NotFoundError
from elasticsearch.helpers import bulk

from signaal.ids import utc_iso
from triage_ui.context import UIContext, parse_iso, utcnow

COOKIE_NAME = "signaal_session"


@dataclass(frozen=True)
class Session:
    id_hash: str
    user: str
    role: str
    csrf_token: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def create_session(ctx: UIContext, user: str, role: str, ip: str, user_agent: str) -> tuple[str, Session]:
    """Start a fresh session (always a new id at login); return (cookie value, session)."""
    token = secrets.token_urlsafe(32)
    session = Session(_hash(token), user, role, secrets.token_urlsafe(32))
    now = utc_iso(utcnow())
    ctx.es.create(
        index=ctx.alias("sessions"),
        id=session.id_hash,
        document={
            "user": user,
            "role": role,
            "csrf_token": session.csrf_token,
            "created_at": now,
            "last_seen": now,
            "ip": ip,
            "user_agent": user_agent[:512],
        },
    )
    return token, session


def load_session(ctx: UIContext, token: str | None) -> Session | None:
    """The live session for a cookie value, or None if unknown, revoked or timed out.

    Idle and absolute timeouts are enforced here on every request; ``last_seen`` is only
    rewritten every ``session_touch_seconds`` so that page views stay one GET to ES.
    """
    if not token or len(token) > 100:
        return None
    id_hash = _hash(token)
    try:
        doc = ctx.es.get(index=ctx.alias("sessions"), id=id_hash)["_source"]
    except NotFoundError:
        return None
    now = utcnow()
    settings = ctx.settings
    created, last_seen = parse_iso(doc["created_at"]), parse_iso(doc["last_seen"])
    if now - created > timedelta(seconds=settings.session_absolute_seconds) or now - last_seen > timedelta(
        seconds=settings.session_idle_seconds
    ):
        revoke(ctx, id_hash)
        return None
    if now - last_seen > timedelta(seconds=settings.session_touch_seconds):
        ctx.es.update(index=ctx.alias("sessions"), id=id_hash, doc={"last_seen": utc_iso(now)})
    return Session(id_hash, doc["user"], doc["role"], doc["csrf_token"])


def revoke(ctx: UIContext, id_hash: str) -> None:
    with contextlib.suppress(NotFoundError):
        ctx.es.delete(index=ctx.alias("sessions"), id=id_hash)  # GET by id is real-time: no refresh


def revoke_user_sessions(ctx: UIContext, user: str) -> int:
    """End every session of ``user`` (account disabled).

    Search + bulk delete: the provisioned integ-test node has no ``_delete_by_query``.
    """

    ctx.es.indices.refresh(index=ctx.alias("sessions"))  # sessions are created without refresh
    resp = ctx.es.search(index=ctx.alias("sessions"), query={"term": {"user": user}}, size=10_000, source=False)
    actions = [{"_op_type": "delete", "_index": hit["_index"], "_id": hit["_id"]} for hit in resp["hits"]["hits"]]
    if actions:
        bulk(ctx.es, actions, refresh="wait_for", raise_on_error=False)
    return len(actions)
