"""Run the chain's stages as ``signaal`` subprocesses and time each one.

Each stage is its own process on purpose: Scrapy's reactor cannot restart in one
process, a crashed stage cannot take the demo down, and what the demo runs is
exactly what an operator would type.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any


class StageError(RuntimeError):
    """A stage exited non-zero; the message carries its last output lines."""


@dataclass
class StageLog:
    """Seconds spent per stage, in the order they ran, for the closing summary."""

    seconds: dict[str, float] = field(default_factory=dict)

    def run(
        self,
        name: str,
        args: list[str],
        *,
        stdin: str | None = None,
        ok_codes: tuple[int, ...] = (0,),
        capture: bool = True,
    ) -> str:
        """Run ``signaal ARGS``; return its stdout; raise StageError with the tail of its output.

        ``capture=False`` lets a long-running stage (the UI) print straight to the terminal.
        """
        started = time.perf_counter()
        print(f"==> {name}: signaal {' '.join(args)}", flush=True)
        proc = subprocess.run(  # noqa: S603 - our own CLI with arguments we built
            [sys.executable, "-m", "signaal", *args],
            input=stdin,
            capture_output=capture,
            text=True,
            check=False,
        )
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
        if proc.returncode not in ok_codes:
            tail = "\n".join(((proc.stdout or "") + (proc.stderr or "")).strip().splitlines()[-15:])
            raise StageError(f"stage {name!r} failed (exit {proc.returncode}):\n{tail}")
        return proc.stdout or ""


def last_json_line(output: str) -> dict[str, Any]:
    """The last line of ``output`` that parses as a JSON object (commands print their summary last)."""
    for line in reversed(output.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    return {}
