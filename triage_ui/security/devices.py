"""Device cookies (OWASP "slow down online guessing with device cookies").

A browser that completes a login (password and second factor) receives a signed cookie
naming the account and a random device id. Later logins for that account from that
browser skip the account's failure delay, so an attacker hammering the account from
elsewhere slows only themselves. The cookie grants nothing on its own: it is not a
session and it never replaces the password or the code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

COOKIE = "signaal_device"
MAX_AGE_SECONDS = 180 * 24 * 3600


def _signature(secret: str, user: str, device_id: str) -> str:
    return hmac.new(secret.encode(), f"device|{user}|{device_id}".encode(), hashlib.sha256).hexdigest()


def issue(secret: str, user: str) -> str:
    """A new cookie value for ``user``: ``<device id>.<hmac>.<user>`` (ids and hex hold no dots; names may)."""
    device_id = secrets.token_urlsafe(18)
    return f"{device_id}.{_signature(secret, user, device_id)}.{user}"


def device_for(secret: str, cookie: str | None, user: str) -> str | None:
    """The device id if ``cookie`` is a valid device cookie of ``user``, else None."""
    if not cookie or len(cookie) > 300:
        return None
    device_id, _, rest = cookie.partition(".")
    signature, _, owner = rest.partition(".")
    if owner != user or not device_id or not hmac.compare_digest(signature, _signature(secret, user, device_id)):
        return None
    return device_id
