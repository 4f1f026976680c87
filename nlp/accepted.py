"""Proposals that ML staff accepted from analysts' evidence: an append-only overlay on the lexicons.

The shipped lexicons (``nlp/lexicons/``) are code-reviewed files; what a deployment
learns from its analysts lives outside the package, in one YAML file
(``SIGNAAL_ACCEPTED_LEXICON``, default ``var/lexicons/accepted.yaml``). Each entry
records who accepted what, when, for which code, and on which evidence::

    - id: p-3f2a91c04b7e
      action: add_term          # add_term | exclude | weight | withdraw
      code: TRAF_HOTEL
      term: in een pension      # add_term: a new phrasing; exclude: a phrasing that must no longer count
      by: mlstaff
      at: '2026-12-05T07:10:27.408Z'
      evidence: {ads: 12, leads: 11, precision: 0.917, lift: 3.06}

Entries are only ever appended (a mistake is undone by a ``withdraw`` entry naming
its ``id``), so the file is its own history. :func:`nlp.lexicon.load` merges the
effective terms and exclusions into the indicator lexicon, and
:func:`nlp.lexicon.sources` lists the file, so the analysis version changes with
every acceptance and ``signaal rescore`` re-analyzes the indexed ads. ``weight``
entries change the rules baseline's weight of a code (read by ``models``).
"""

from __future__ import annotations

import fcntl
import os
import re
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from signaal.ids import utc_now
from signaal.paths import var_dir

ACTIONS = ("add_term", "exclude", "weight", "withdraw")
TERM_ACTIONS = {"add_term": "terms", "exclude": "exclude"}  # action -> lexicon key it adds to
CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]{2,63}$")
MAX_TERM_CHARS = 120
HEADER = (
    "# Proposals accepted from analysts' evidence (append-only: never edit or remove an entry;\n"
    "# undo one with a `withdraw` entry). See nlp/accepted.py for the format.\n"
)


class ProposalError(ValueError):
    """A proposal that cannot be recorded (one-line message for the UI and the CLI)."""


def overlay_path() -> Path:
    """The accepted-proposals file: ``SIGNAAL_ACCEPTED_LEXICON`` or ``var/lexicons/accepted.yaml``."""
    configured = os.environ.get("SIGNAAL_ACCEPTED_LEXICON")
    return Path(configured) if configured else var_dir() / "lexicons" / "accepted.yaml"


def _stamp(path: Path) -> tuple[str, int, int] | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return (str(path), info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=4)
def _parsed(stamp: tuple[str, int, int]) -> tuple[dict[str, Any], ...]:
    """The file's entries, re-read whenever its size or modification time changes."""
    path = Path(stamp[0])
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProposalError(f"accepted proposals file {path} is not valid YAML: {exc}") from exc
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise ProposalError(f"accepted proposals file {path} must be a YAML list of entries")
    return tuple(raw)


def entries(path: Path | None = None) -> list[dict[str, Any]]:
    """Every entry in file order (withdrawn ones and withdrawals included): the full record."""
    stamp = _stamp(path or overlay_path())
    return list(_parsed(stamp)) if stamp else []


def effective(path: Path | None = None) -> list[dict[str, Any]]:
    """The entries in force: not withdrawn, and not themselves withdrawals."""
    found = entries(path)
    withdrawn = {e.get("withdraws") for e in found if e.get("action") == "withdraw"}
    return [e for e in found if e.get("action") != "withdraw" and e.get("id") not in withdrawn]


def indicator_fragment(known_codes: set[str], path: Path | None = None) -> dict[str, Any]:
    """``{"codes": {CODE: {"terms": [...], "exclude": [...]}}}`` of the terms in force, in the lexicon format.

    Entries for a code the lexicons do not know are left out: a stale overlay must
    never stop the analysis of every ad.
    """
    codes: dict[str, dict[str, list[str]]] = {}
    for entry in effective(path):
        key = TERM_ACTIONS.get(str(entry.get("action")))
        code, term = entry.get("code"), entry.get("term")
        if key is None or code not in known_codes or not isinstance(term, str) or not term.strip():
            continue
        terms = codes.setdefault(str(code), {}).setdefault(key, [])
        if term not in terms:
            terms.append(term)
    return {"codes": codes} if codes else {}


def weights(path: Path | None = None) -> dict[str, float]:
    """Rules-baseline weight per code from ``weight`` entries in force (the latest one per code wins)."""
    out: dict[str, float] = {}
    for entry in effective(path):
        if entry.get("action") == "weight" and isinstance(entry.get("code"), str):
            try:
                weight = float(entry["weight"])
            except (KeyError, TypeError, ValueError):
                continue
            if 0.0 <= weight < 1.0:
                out[entry["code"]] = weight
    return out


def stamp() -> tuple[str, int, int] | None:
    """Changes whenever the file changes: a cheap cache key for whoever derives state from it."""
    return _stamp(overlay_path())


def clean_term(term: str) -> str:
    """One line, single spaces: the form a term is stored in."""
    return " ".join(str(term).split())


def _validated(entry: dict[str, Any]) -> dict[str, Any]:
    action = entry.get("action")
    if action not in ACTIONS:
        raise ProposalError(f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
    if not str(entry.get("by") or "").strip():
        raise ProposalError("a proposal needs the name of who accepted it")
    if action == "withdraw":
        target = entry.get("withdraws")
        if target not in {e.get("id") for e in effective()}:
            raise ProposalError(f"no proposal {target!r} in force to withdraw")
        return entry
    if not CODE_PATTERN.match(str(entry.get("code") or "")):
        raise ProposalError(f"not an indicator code: {entry.get('code')!r}")
    if action in TERM_ACTIONS:
        term = clean_term(entry.get("term") or "")
        if not term or len(term) > MAX_TERM_CHARS:
            raise ProposalError(f"a term must have 1 to {MAX_TERM_CHARS} characters")
        return {**entry, "term": term}
    try:
        weight = float(entry.get("weight"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ProposalError(f"weight must be a number, not {entry.get('weight')!r}") from None
    if not 0.0 <= weight < 1.0:
        raise ProposalError("weight must be at least 0 and below 1")
    return {**entry, "weight": round(weight, 4)}


def append(entry: dict[str, Any]) -> dict[str, Any]:
    """Record one proposal (``id`` and ``at`` are added here) and return it as written.

    The file is locked and only appended to; a block-style YAML list item added at
    the end keeps the whole file one valid list.
    """
    path = overlay_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        record = {"id": f"p-{uuid.uuid4().hex[:12]}", **_validated(entry), "at": utc_now()}
        fh.seek(0, os.SEEK_END)
        if fh.tell() == 0:
            fh.write(HEADER)
        fh.write(yaml.safe_dump([record], allow_unicode=True, sort_keys=False, width=1000))
        fh.flush()
        os.fsync(fh.fileno())
    return record
