"""The one exception type of the ES part, so the CLI can turn every user-fixable problem into one line."""

from __future__ import annotations


class EsSetupError(RuntimeError):
    """A problem the user can fix (no Java, no Maven, port in use, ...); ``str()`` is the whole message."""
