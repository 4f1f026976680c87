"""Read scored ads from JSON Lines, skipping (and reporting) lines that are not JSON objects.

One bad line must not stop a load of a million ads, and the person running it
needs the line number to find it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson


def read_records(lines: Iterable[bytes | str], on_error: Callable[[int, str], None]) -> Iterator[dict[str, Any]]:
    """Yield each JSON object; call ``on_error(line_number, reason)`` for every other non-blank line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            on_error(number, f"malformed JSON ({str(exc).split(':')[0]})")
            continue
        if not isinstance(value, dict):
            on_error(number, f"expected a JSON object, got {type(value).__name__}")
            continue
        yield value
