"""Keyed pseudonyms: the same phone gives the same token, but the token does not give the phone back.

A keyed HMAC (not a plain hash) is used because phone numbers are few enough to
brute-force from an unkeyed hash. The key is the installation's own, kept under
var/keys with owner-only permissions.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from signaal.paths import var_dir


def load_or_create_key(key_dir: Path | None = None) -> bytes:
    """The installation's pseudonymisation key, created (mode 0600) on first use."""
    directory = key_dir or var_dir() / "keys"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "pseudonym.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
    return path.read_bytes()


def pseudonym(key: bytes, kind: str, value: str) -> str:
    """Stable token for one value of one kind, e.g. ``pseud:phone:3f2a...``."""
    digest = hmac.new(key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()[:20]
    return f"pseud:{kind}:{digest}"
