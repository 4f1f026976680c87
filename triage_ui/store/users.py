"""User accounts in ``<prefix>-users`` (doc id = user name)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from elasticsearch import ConflictError, NotFoundError

from signaal.ids import utc_iso
from triage_ui import data
from triage_ui.context import UIContext, utcnow
from triage_ui.security.passwords import hash_password
from triage_ui.security.sessions import Session, revoke_user_sessions

NAME_RE = re.compile(r"^[a-z][a-z0-9._-]{1,39}$")


class UserError(ValueError):
    """A user-management request that cannot be done (bad name, unknown role, exists...)."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    disabled: bool
    password_hash: str | None = None
    last_inbox_check: str | None = None

    @property
    def permissions(self) -> frozenset[str]:
        return frozenset() if self.disabled else data.permissions(self.role)

    def can(self, permission: str) -> bool:
        return permission in self.permissions


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


def _from_doc(doc: dict) -> User:
    return User(
        name=doc["name"],
        role=doc["role"],
        disabled=bool(doc.get("disabled")),
        password_hash=doc.get("password_hash"),
        last_inbox_check=doc.get("last_inbox_check"),
    )


def get_user(ctx: UIContext, name: str) -> User | None:
    if not NAME_RE.match(name or ""):
        return None
    try:
        return _from_doc(ctx.es.get(index=ctx.alias("users"), id=name)["_source"])
    except NotFoundError:
        return None


def add_user(ctx: UIContext, name: str, role: str, password: str) -> User:
    if not NAME_RE.match(name):
        raise UserError("user name must be 2-40 characters: lower-case letters, digits, . _ -")
    if role not in data.roles():
        raise UserError(f"unknown role {role!r}; choose one of {', '.join(data.roles())}")
    now = utc_iso(utcnow())
    doc = {
        "name": name,
        "role": role,
        "password_hash": hash_password(password),
        "disabled": False,
        "created_at": now,
        "updated_at": now,
    }
    try:
        ctx.es.create(index=ctx.alias("users"), id=name, document=doc, refresh="wait_for")
    except ConflictError as exc:
        raise UserError(f"user {name!r} already exists") from exc
    return _from_doc(doc)


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


def list_users(ctx: UIContext) -> list[User]:
    resp = ctx.es.search(index=ctx.alias("users"), size=1000, sort=[{"name": "asc"}], source_excludes=["password_hash"])
    return [_from_doc(hit["_source"]) for hit in resp["hits"]["hits"]]
