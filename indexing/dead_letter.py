"""Dead-letter file: ads Elasticsearch rejected, one JSON line each, with the reason, for a later re-run.

Opened lazily, so a clean run leaves no empty file behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import orjson

from signaal.ids import utc_now


class DeadLetters:
    """Append ``{"id", "status", "error", "at", "record"}`` lines to ``path`` (or only count them)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.count = 0
        self._fh: IO[bytes] | None = None

    def write(self, record: dict[str, Any], status: Any, error: Any) -> None:
        self.count += 1
        if self.path is None:
            return
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("ab")
        line = {"id": record.get("id"), "status": status, "error": error, "at": utc_now(), "record": record}
        self._fh.write(orjson.dumps(line, default=str) + b"\n")
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
