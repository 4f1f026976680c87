"""CSRF protection: a synchroniser token per session, checked in one dependency.

FastAPI has none built in. Every state-changing request (POST/PUT/PATCH/DELETE) must carry
the session's token as form field ``csrf_token`` or header ``X-CSRF-Token``. Before login
there is no session, so the login form uses an HMAC of a random pre-session cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from triage_ui.config import UISettings
from triage_ui.security.cookies import cookie_name

FIELD = "csrf_token"
HEADER = "x-csrf-token"
PRE_COOKIE = "signaal_pre"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def pre_cookie(settings: UISettings) -> str:
    """The pre-session cookie's name (``__Host-`` prefixed outside --dev, like every UI cookie)."""
    return cookie_name(settings, PRE_COOKIE)


def tokens_match(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def new_pre_session() -> str:
    return secrets.token_urlsafe(32)


def pre_session_token(secret: str, pre_cookie_value: str) -> str:
    """The login form's token: binds the form to this browser's pre-session cookie."""
    return hmac.new(secret.encode(), pre_cookie_value.encode(), hashlib.sha256).hexdigest()
