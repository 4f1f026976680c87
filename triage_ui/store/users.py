"""User accounts in ``<prefix>-users`` (doc id = user name): password, role, second factor.

An account made by an admin (CLI or admin page) carries ``must_change_password``: its
first login ends with choosing a new password. The second factor (TOTP seed, encrypted;
recovery codes, hashed) is written only by the enrolment and recovery steps here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from elasticsearch import ConflictError, NotFoundError

from signaal.ids import utc_iso
from triage_ui import data
from triage_ui.context import UIContext, utcnow
from triage_ui.security.passwords import passwords_for
from triage_ui.security.sessions import Session, revoke_user_sessions

NAME_RE = re.compile(r"^[a-z][a-z0-9._-]{1,39}$")
MFA_FIELDS = ("totp_seed", "totp_enrolled_at", "totp_last_step", "recovery_codes")


class UserError(ValueError):
    """A user-management request that cannot be done (bad name, unknown role, exists...)."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    disabled: bool
    password_hash: str | None = None
    last_inbox_check: str | None = None
    must_change_password: bool = False
    totp_seed: str | None = None  # sealed (security.mfa.seal_seed)
    totp_last_step: int | None = None
    totp_enrolled_at: str | None = None
    recovery_codes: tuple[str, ...] = ()  # argon2 hashes of the unused codes
    seq_no: int | None = None  # for conditional updates (a code is accepted once)
    primary_term: int | None = None

    @property
    def permissions(self) -> frozenset[str]:
        return frozenset() if self.disabled else data.permissions(self.role)

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def enrolled(self) -> bool:
        return bool(self.totp_seed or self.totp_enrolled_at)

    @property
    def mfa_required(self) -> bool:
        return data.mfa_required(self.role)


@dataclass(frozen=True)
class Principal:
    """The signed-in user of a request and their session."""

    user: User
    session: Session

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def role(self) -> str:
        return self.user.role

    def can(self, permission: str) -> bool:
        return self.user.can(permission)


def _from_hit(hit: dict) -> User:
    doc = hit["_source"]
    return User(
        name=doc["name"],
        role=doc["role"],
        disabled=bool(doc.get("disabled")),
        password_hash=doc.get("password_hash"),
        last_inbox_check=doc.get("last_inbox_check"),
        must_change_password=bool(doc.get("must_change_password")),
        totp_seed=doc.get("totp_seed"),
        totp_last_step=doc.get("totp_last_step"),
        totp_enrolled_at=doc.get("totp_enrolled_at"),
        recovery_codes=tuple(doc.get("recovery_codes") or ()),
        seq_no=hit.get("_seq_no"),
        primary_term=hit.get("_primary_term"),
    )


def get_user(ctx: UIContext, name: str) -> User | None:
    if not NAME_RE.match(name or ""):
        return None
    try:
        return _from_hit(ctx.es.get(index=ctx.alias("users"), id=name))
    except NotFoundError:
        return None


def add_user(ctx: UIContext, name: str, role: str, password: str, *, must_change: bool = True) -> User:
    """Create an account; an admin-set password must be changed at first login unless ``must_change=False``."""
    if not NAME_RE.match(name):
        raise UserError("user name must be 2-40 characters: lower-case letters, digits, . _ -")
    if role not in data.roles():
        raise UserError(f"unknown role {role!r}; choose one of {', '.join(data.roles())}")
    now = utc_iso(utcnow())
    doc = {
        "name": name,
        "role": role,
        "password_hash": passwords_for(ctx.settings).hash(password, name),
        "must_change_password": must_change,
        "disabled": False,
        "created_at": now,
        "updated_at": now,
    }
    try:
        ctx.es.create(index=ctx.alias("users"), id=name, document=doc, refresh="wait_for")
    except ConflictError as exc:
        raise UserError(f"user {name!r} already exists") from exc
    return _from_hit({"_source": doc})


def set_disabled(ctx: UIContext, name: str, disabled: bool = True) -> None:
    """Disable (or re-enable) an account; disabling also revokes all its sessions."""
    try:
        ctx.es.update(
            index=ctx.alias("users"),
            id=name,
            refresh="wait_for",
            doc={"disabled": disabled, "updated_at": utc_iso(utcnow())},
        )
    except NotFoundError as exc:
        raise UserError(f"no such user {name!r}") from exc
    if disabled:
        revoke_user_sessions(ctx, name)


def update_fields(ctx: UIContext, name: str, **fields: object) -> None:
    ctx.es.update(index=ctx.alias("users"), id=name, doc=fields)


def set_password_hash(ctx: UIContext, name: str, password_hash: str, *, must_change: bool = False) -> None:
    """Store a new hash (password change, or a rehash with new argon2 parameters)."""
    now = utc_iso(utcnow())
    update_fields(
        ctx,
        name,
        password_hash=password_hash,
        must_change_password=must_change,
        password_changed_at=now,
        updated_at=now,
    )


def claim_totp_step(ctx: UIContext, user: User, step: int) -> bool:
    """Record ``step`` as used, only if nobody used a code since ``user`` was read (replay guard)."""
    try:
        ctx.es.update(
            index=ctx.alias("users"),
            id=user.name,
            doc={"totp_last_step": step},
            if_seq_no=user.seq_no,
            if_primary_term=user.primary_term,
        )
    except ConflictError:
        return False
    return True


def enrol_totp(ctx: UIContext, name: str, sealed_seed: str, step: int, recovery_hashes: list[str]) -> None:
    now = utc_iso(utcnow())
    update_fields(
        ctx,
        name,
        totp_seed=sealed_seed,
        totp_enrolled_at=now,
        totp_last_step=step,
        recovery_codes=recovery_hashes,
        updated_at=now,
    )


def replace_recovery_codes(ctx: UIContext, user: User, hashes: list[str]) -> bool:
    """Swap the stored recovery codes (one used up, or a new set) if nothing changed since ``user`` was read."""
    try:
        ctx.es.update(
            index=ctx.alias("users"),
            id=user.name,
            doc={"recovery_codes": hashes, "updated_at": utc_iso(utcnow())},
            if_seq_no=user.seq_no,
            if_primary_term=user.primary_term,
        )
    except ConflictError:
        return False
    return True


def reset_mfa(ctx: UIContext, name: str) -> None:
    """Forget the second factor (lost phone and codes): the next login enrols again; sessions end."""
    try:
        ctx.es.update(
            index=ctx.alias("users"),
            id=name,
            refresh="wait_for",
            doc={field: None for field in MFA_FIELDS} | {"updated_at": utc_iso(utcnow())},
        )
    except NotFoundError as exc:
        raise UserError(f"no such user {name!r}") from exc
    revoke_user_sessions(ctx, name)


def list_users(ctx: UIContext) -> list[User]:
    resp = ctx.es.search(
        index=ctx.alias("users"),
        size=1000,
        sort=[{"name": "asc"}],
        source_excludes=["password_hash", "totp_seed", "recovery_codes"],
    )
    return [_from_hit(hit) for hit in resp["hits"]["hits"]]


def mfa_status(user: User) -> str:
    if user.enrolled:
        return "enrolled"
    return "enrols at next login" if user.mfa_required else "not required"
