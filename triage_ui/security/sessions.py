"""Server-side sessions in ``<prefix>-sessions``.

The cookie carries a random 256-bit value; ES stores only its SHA-256, so a leaked index
snapshot cannot be replayed as a login. A session can be revoked (logout, account
disabled) because it lives on the server, which a signed client cookie cannot offer.

A login passes through stages: the password opens a *pending* session (``mfa``,
``enrol`` or ``password``) that reaches only the login pages and expires after
``session_pending_minutes``; finishing the last stage replaces it with a new ``full``
session (a new id: ASVS 7.2.4). ``reauth_at`` is when the user last re-entered their
second factor (step-up before exports, user administration and model promotion).

The session cookie is a session-only cookie (no ``Max-Age``) set by ``security.cookies``.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from elasticsearch import NotFoundError
from elasticsearch.helpers import bulk

from signaal.ids import utc_iso
from triage_ui.config import UISettings
from triage_ui.context import UIContext, parse_iso, utcnow
from triage_ui.security.cookies import cookie_name

FULL = "full"


SESSION_COOKIE = "signaal_session"


def session_cookie(settings: UISettings) -> str:
    return cookie_name(settings, SESSION_COOKIE)


@dataclass(frozen=True)
class Session:
    id_hash: str
    user: str
    role: str
    csrf_token: str
    stage: str = FULL
    reauth_at: datetime | None = None
    enrol_seed: str | None = None  # sealed TOTP seed offered during enrolment

    @property
    def full(self) -> bool:
        return self.stage == FULL


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def create_session(
    ctx: UIContext,
    user: str,
    role: str,
    ip: str,
    user_agent: str,
    *,
    stage: str = FULL,
    reauth: bool = False,
) -> tuple[str, Session]:
    """Start a fresh session (always a new id); return (cookie value, session)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session = Session(_hash(token), user, role, secrets.token_urlsafe(32), stage, now if reauth else None)
    doc = {
        "user": user,
        "role": role,
        "csrf_token": session.csrf_token,
        "stage": stage,
        "created_at": utc_iso(now),
        "last_seen": utc_iso(now),
        "ip": ip,
        "user_agent": user_agent[:512],
    }
    if reauth:
        doc["reauth_at"] = utc_iso(now)
    ctx.es.create(index=ctx.alias("sessions"), id=session.id_hash, document=doc)
    return token, session


def load_session(ctx: UIContext, token: str | None) -> Session | None:
    """The live session for a cookie value, or None if unknown, revoked or timed out.

    Idle, absolute and pending timeouts are enforced here on every request; ``last_seen``
    is only rewritten every ``session_touch_seconds`` so that page views stay one GET to ES.
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
    stage = doc.get("stage", FULL)
    created, last_seen = parse_iso(doc["created_at"]), parse_iso(doc["last_seen"])
    absolute = settings.session_absolute_seconds if stage == FULL else settings.session_pending_minutes * 60
    if now - created > timedelta(seconds=absolute) or now - last_seen > timedelta(
        seconds=settings.session_idle_seconds
    ):
        revoke(ctx, id_hash)
        return None
    if now - last_seen > timedelta(seconds=settings.session_touch_seconds):
        ctx.es.update(index=ctx.alias("sessions"), id=id_hash, doc={"last_seen": utc_iso(now)})
    return Session(
        id_hash,
        doc["user"],
        doc["role"],
        doc["csrf_token"],
        stage,
        parse_iso(doc.get("reauth_at")),
        doc.get("enrol_seed"),
    )


def update_session(ctx: UIContext, id_hash: str, **fields: object) -> None:
    ctx.es.update(index=ctx.alias("sessions"), id=id_hash, doc=fields)


def mark_reauthenticated(ctx: UIContext, id_hash: str) -> None:
    """The user re-entered their second factor just now (step-up)."""
    update_session(ctx, id_hash, reauth_at=utc_iso(utcnow()))


def revoke(ctx: UIContext, id_hash: str) -> None:
    with contextlib.suppress(NotFoundError):
        ctx.es.delete(index=ctx.alias("sessions"), id=id_hash)  # GET by id is real-time: no refresh


def revoke_user_sessions(ctx: UIContext, user: str, keep: str | None = None) -> int:
    """End every session of ``user`` (account disabled, password changed), except ``keep``.

    Search + bulk delete: the provisioned integ-test node has no ``_delete_by_query``.
    """

    ctx.es.indices.refresh(index=ctx.alias("sessions"))  # sessions are created without refresh
    resp = ctx.es.search(index=ctx.alias("sessions"), query={"term": {"user": user}}, size=10_000, source=False)
    actions = [
        {"_op_type": "delete", "_index": hit["_index"], "_id": hit["_id"]}
        for hit in resp["hits"]["hits"]
        if hit["_id"] != keep
    ]
    if actions:
        bulk(ctx.es, actions, refresh="wait_for", raise_on_error=False)
    return len(actions)
