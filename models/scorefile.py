"""Score a JSON Lines file offline: one output line per input line, in order.

A line that is not a JSON object with an ``id`` cannot be scored; it still
gets an output line, ``{"id": <id if it can be read, else null>, "error":
"line N: ..."}``, so line *n* of the output always answers line *n* of the
input, and the error is also reported on stderr. Blank lines are skipped
(they are not ads). Lines are scored in chunks so memory stays flat.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

from models.chain import score_records

_ID_IN_BROKEN_JSON = re.compile(r'"id"\s*:\s*"((?:[^"\\]|\\.){1,500})"')


@dataclass
class ScoreStats:
    lines: int = 0
    scored: int = 0
    failed: int = 0


def _recover_id(line: str) -> str | None:
    m = _ID_IN_BROKEN_JSON.search(line)
    if not m:
        return None
    try:
        return json.loads(f'"{m.group(1)}"')
    except ValueError:
        return None


def parse_line(line: str, number: int) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """``(record, None)`` for a usable ad, or ``(None, error_record)``."""
    try:
        value = json.loads(line)
    except ValueError as exc:
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        return None, {"id": _recover_id(line), "error": f"line {number}: invalid JSON ({msg})"}
    if not isinstance(value, dict):
        return None, {"id": None, "error": f"line {number}: not a JSON object but {type(value).__name__}"}
    if not isinstance(value.get("id"), str) or not value["id"]:
        return None, {"id": None, "error": f'line {number}: ad has no string "id"'}
    return value, None


def dumps(record: dict[str, Any]) -> bytes:
    """One JSON line (UTF-8; ASCII escapes only when the text holds lone surrogates)."""
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        return json.dumps(record, separators=(",", ":")).encode("ascii") + b"\n"


def score_lines(
    lines: Iterable[str],
    score: Callable[[list[dict[str, Any]]], Iterable[dict[str, Any]]],
    *,
    on_error: Callable[[str], None],
    chunk: int = 256,
) -> Iterator[dict[str, Any]]:
    """Yield one output record per non-blank input line, in order."""
    numbered = ((n, line) for n, line in enumerate(lines, start=1) if line.strip())
    while batch := list(islice(numbered, chunk)):
        parsed = [parse_line(line, n) for n, line in batch]
        good = [record for record, _ in parsed if record is not None]
        scored = iter(score(good)) if good else iter(())
        for record, error in parsed:
            if error is not None:
                on_error(error["error"])
                yield error
            else:
                out = next(scored)
                if out.get("id") != record["id"]:
                    raise RuntimeError("scoring changed the order of ads")
                yield out


def run(src: IO[str], dst: IO[bytes], *, on_error: Callable[[str], None]) -> ScoreStats:
    """Score ``src`` into ``dst`` with :func:`models.chain.score_records`."""
    stats = ScoreStats()
    for out in score_lines(src, lambda recs: score_records(recs), on_error=on_error):
        stats.lines += 1
        if "error" in out and "risk" not in out:
            stats.failed += 1
        else:
            stats.scored += 1
        dst.write(dumps(out))
    return stats
