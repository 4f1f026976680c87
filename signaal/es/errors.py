"""The one exception type of the ES part, so the CLI can turn every user-fixable problem into one line."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI root imports this module; elasticsearch stays out of `signaal --help`
    from elasticsearch import ApiError


class EsSetupError(RuntimeError):
    """A problem the user can fix (no Java, no Maven, port in use, ...); ``str()`` is the whole message."""


def refusal(exc: ApiError) -> str:
    """One line for a refused request: the error type and Elasticsearch's own reason (which privilege is
    missing, which index is absent), since the type alone ("security_exception") does not say what to fix."""
    error = exc.body.get("error") if isinstance(exc.body, dict) else None
    reason = error.get("reason") if isinstance(error, dict) else None
    text = f"{exc.message}: {reason}" if reason else str(exc.message)
    return f"Elasticsearch refused the request ({exc.meta.status}): {' '.join(text.split())[:400]}"
