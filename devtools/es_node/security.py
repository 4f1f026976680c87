"""Least-privilege Elasticsearch users, one per component, from es_mappings/security/roles.json.

Each component (``ui``, ``indexer``, ...) gets a role ``signaal_<component>`` that
grants per kind of document exactly what it needs (``read``, ``append`` = create
only, ``update`` = no delete, ``write``, ``all``), and a user with a generated
password kept in the component's credential file (mode 0600). Index names in roles
are regular expressions for ``<prefix>-<kind>`` and ``<prefix>-<kind>-v...`` with any
well-formed prefix: the kind is the security boundary, the prefix a name space
(one cluster per installation; tests use many prefixes on one node).

Why files and not the security API: the integ-test distribution cannot create the
``.security`` index (its mapping needs analysis-common's ``pattern_capture``
filter), so native users, native roles and API keys are unavailable there. The
file realm needs no index: provisioning writes ``roles.yml``, ``users`` (PBKDF2
hashes, the format Elasticsearch's own ``elasticsearch-users`` tool writes) and
``users_roles`` into every node's config directory, and nodes reload them within
seconds. For another cluster, :func:`role_descriptors` gives the roles for its
security API.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from signaal.es.client import ROLES_FILE
from signaal.es.credentials import Credentials, read_credentials, write_credentials
from signaal.es.errors import EsSetupError
from signaal.es.mappings import load_specs

ALL_KINDS = "*"
PASSWORD_BYTES = 24
# Elasticsearch's PBKDF2 hasher: HMAC-SHA512, 32-byte salt and key; the cost is read back from the hash.
PBKDF2_COST = 50_000
PBKDF2_BYTES = 32
REALM_FILE_MODE = 0o600


@dataclass(frozen=True)
class ComponentSpec:
    """One entry of roles.json."""

    name: str
    user: str
    used_by: str
    cluster: tuple[str, ...] = ()
    kinds: dict[str, str] = field(default_factory=dict)
    applications: tuple[dict[str, Any], ...] = ()

    @property
    def role(self) -> str:
        return f"signaal_{self.name}"


@dataclass(frozen=True)
class SecurityModel:
    """The whole roles.json: privilege sets by name and the components."""

    prefix_pattern: str
    privilege_sets: dict[str, list[str]]
    components: dict[str, ComponentSpec]

    def index_names(self, kind: str) -> str:
        """Lucene regular expression for the alias and every versioned index of ``kind``, any prefix."""
        kind_pattern = "[a-z][a-z-]*" if kind == ALL_KINDS else kind
        return f"/{self.prefix_pattern}-{kind_pattern}(-v[0-9].*)?/"

    def role_descriptor(self, component: ComponentSpec) -> dict[str, Any]:
        by_level: dict[str, list[str]] = {}
        for kind, level in sorted(component.kinds.items()):
            by_level.setdefault(level, []).append(self.index_names(kind))
        return {
            "cluster": list(component.cluster),
            "indices": [
                {"names": names, "privileges": list(self.privilege_sets[level])}
                for level, names in sorted(by_level.items())
            ],
            "applications": list(component.applications),
            "metadata": {"signaal_component": component.name, "used_by": component.used_by},
        }


def load_model(path: Path = ROLES_FILE) -> SecurityModel:
    """Parse roles.json and check that it names only known kinds and privilege sets."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        sets = raw["privilege_sets"]
        components = {
            name: ComponentSpec(
                name=name,
                user=entry["user"],
                used_by=entry["used_by"],
                cluster=tuple(entry.get("cluster", ())),
                kinds=dict(entry.get("kinds", {})),
                applications=tuple(entry.get("applications", ())),
            )
            for name, entry in raw["components"].items()
        }
        model = SecurityModel(raw["prefix_pattern"], sets, components)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise EsSetupError(f"{path}: not a roles file ({exc})") from None
    known = {spec.kind for spec in load_specs()} | {ALL_KINDS}
    for component in components.values():
        for kind, level in component.kinds.items():
            if kind not in known or level not in sets:
                raise EsSetupError(f"{path}: component {component.name}: unknown kind {kind!r} or level {level!r}")
    return model


def role_descriptors(model: SecurityModel | None = None) -> dict[str, dict[str, Any]]:
    """Role name -> descriptor, as ``roles.yml`` holds them and ``PUT _security/role/<name>`` takes them."""
    model = model or load_model()
    return {component.role: model.role_descriptor(component) for component in model.components.values()}


def new_password() -> str:
    return secrets.token_urlsafe(PASSWORD_BYTES)


def hash_password(password: str, *, salt: bytes | None = None, cost: int = PBKDF2_COST) -> str:
    """``{PBKDF2}<cost>$<salt>$<key>`` (base64), which the file realm verifies."""
    salt = salt if salt is not None else secrets.token_bytes(PBKDF2_BYTES)
    key = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, cost, PBKDF2_BYTES)
    return f"{{PBKDF2}}{cost}${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


def component_credentials(
    credentials_dir: Path, *, rotate: Iterable[str] = (), model: SecurityModel | None = None
) -> tuple[dict[str, Credentials], dict[str, str]]:
    """Every component's credentials: kept from its file, or new (missing file, or named in ``rotate``).

    New ones are written to their files at once. Returns (credentials, component ->
    ``created`` | ``rotated`` | ``kept``).
    """
    model = model or load_model()
    rotate = set(rotate)
    unknown = rotate - set(model.components)
    if unknown:
        raise EsSetupError(f"unknown component(s) {', '.join(sorted(unknown))}; known: {', '.join(model.components)}")
    credentials: dict[str, Credentials] = {}
    outcomes: dict[str, str] = {}
    for component in model.components.values():
        stored = read_credentials(credentials_dir, component.name)
        if stored is None or component.name in rotate or stored.username != component.user:
            outcomes[component.name] = "created" if stored is None else "rotated"
            stored = Credentials(username=component.user, password=new_password())
            write_credentials(credentials_dir, component.name, stored)
        else:
            outcomes[component.name] = "kept"
        credentials[component.name] = stored
    return credentials, outcomes


def realm_files(credentials: dict[str, Credentials], model: SecurityModel | None = None) -> dict[str, str]:
    """File name -> text of ``roles.yml``, ``users`` and ``users_roles`` for a node's config.

    ``roles.yml`` must be block-style YAML: the node reads it one top-level role at a time.
    """
    model = model or load_model()
    users, users_roles = [], []
    for component in model.components.values():
        user = credentials[component.name]
        users.append(f"{component.user}:{hash_password(user.password or '')}\n")
        users_roles.append(f"{component.role}:{component.user}\n")
    return {
        "roles.yml": yaml.safe_dump(role_descriptors(model), default_flow_style=False, sort_keys=True),
        "users": "".join(users),
        "users_roles": "".join(users_roles),
    }


def write_realm_files(config_dir: Path, files: dict[str, str], owner: tuple[int, int] | None = None) -> None:
    """Replace the files atomically (a node reloads them when they change), mode 0600, owned by ``owner``."""
    for name, text in files.items():
        fd, tmp = tempfile.mkstemp(dir=config_dir, prefix=f".{name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            Path(tmp).chmod(REALM_FILE_MODE)
            if owner is not None:
                os.chown(tmp, *owner)
            Path(tmp).replace(config_dir / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
