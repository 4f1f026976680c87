"""Data files of the triage UI (roles, indicator explanations); loaded once, cached."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).parent


@cache
def load(name: str) -> dict:
    """Parse ``<name>.yaml`` from this folder (read-only, cached for the process)."""
    with (DATA_DIR / f"{name}.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def permissions(role: str) -> frozenset[str]:
    """Permissions granted to ``role`` (empty for an unknown role: deny by default)."""
    return frozenset(load("roles")["roles"].get(role, []))


def mfa_required(role: str) -> bool:
    """Whether ``role`` must use a second factor (roles.yaml ``mfa_required``; on unless set false)."""
    return bool(load("roles").get("mfa_required", {}).get(role, True))


def roles() -> list[str]:
    return list(load("roles")["roles"])


def indicator_explanation(code: str) -> str:
    return load("indicators").get(code, code)
