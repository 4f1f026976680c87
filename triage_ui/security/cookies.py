"""The UI's cookies, all set one way: ``__Host-`` prefix, ``Secure``, ``HttpOnly``,
``SameSite=Strict``, ``Path=/`` everywhere but in ``--dev`` (plain http on loopback),
and no ``Max-Age`` unless a caller asks for a persistent one (the device cookie).
"""

from __future__ import annotations

from starlette.responses import Response

from triage_ui.config import UISettings


def cookie_name(settings: UISettings, base: str) -> str:
    """``__Host-<base>`` when cookies are Secure (the prefix demands it), plain ``<base>`` in --dev."""
    return f"__Host-{base}" if settings.secure_cookies else base


def set_cookie(response: Response, settings: UISettings, base: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(
        cookie_name(settings, base),
        value,
        max_age=max_age,
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="strict",
    )


def delete_cookie(response: Response, settings: UISettings, base: str) -> None:
    response.delete_cookie(
        cookie_name(settings, base), path="/", secure=settings.secure_cookies, httponly=True, samesite="strict"
    )
