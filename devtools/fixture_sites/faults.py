"""Fault injection for crawler tests: chosen URL paths fail in chosen ways.

A fault file (YAML or JSON) maps a URL path to a fault, either for both sites at the top level or per site
under ``prikbord:`` / ``vitrine:``::

    /ad/p00003: {kind: http_500, times: 2}     # first 2 requests get 500, then the page is served
    vitrine:
      /api/ads/v00004: {kind: slow, delay: 2.5}

A path ending in ``*`` matches every path that starts with the rest (``/ad/*``: every detail page);
an exact path wins over a pattern.

Kinds: ``http_500`` (``times``, default 2; -1 = always), ``slow`` (``delay`` seconds, default 3),
``truncated`` (HTML cut mid-tag; Content-Length matches the cut body unless ``declare_full_length: true``,
then the full length is announced and the connection closed early), ``malformed`` (broken markup that
still contains the ad), ``redirect_loop`` (302 between ``path`` and ``path?loop=1`` forever),
``oversized`` (``size_mb``, default 20: the page padded with an HTML comment to that size),
``active_content`` (the page also carries scripts, a form, a meta refresh, remote images, a frame and
styles that all point at ``/beacon/...`` on the *other* fixture site, so a test can tell whether a
viewer of the archived page ran or fetched any of it).
Sites that trap or change under a crawler: ``pagination_trap`` on a listing path (``/ads``, ``/search``,
``/api/ads``; ``mode``: ``empty`` = pages past the last are served empty, each with a next link, forever;
``repeat`` = they repeat the last page's ads; ``loop`` = the last page's next link points to page 1),
``changed_layout`` (the page after a redesign: the ad's title under a new class / JSON key), and
``robots_disallow`` on ``/robots.txt`` (``paths``: what robots.txt disallows).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from devtools.fixture_sites.corpus import SITES

KINDS = (
    "http_500",
    "slow",
    "truncated",
    "malformed",
    "redirect_loop",
    "oversized",
    "active_content",
    "pagination_trap",
    "changed_layout",
    "robots_disallow",
)
TRAP_MODES = ("empty", "repeat", "loop")
FIELDS = {"kind", "times", "delay", "size_mb", "declare_full_length", "mode", "paths"}
DEFAULT_FAULTS_FILE = Path(__file__).with_name("data") / "faults_default.yaml"


class FaultConfigError(ValueError):
    """A fault file a user wrote is not valid (message is one line, fit for the CLI)."""


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault on one path."""

    kind: str
    times: int = 2
    delay: float = 3.0
    size_mb: float = 20.0
    declare_full_length: bool = False
    mode: str = "empty"
    paths: tuple[str, ...] = ()


class FaultSet:
    """Faults per site and path, plus the per-path counters ``http_500`` needs (thread-safe)."""

    def __init__(self, faults: dict[str, dict[str, Fault]] | None = None) -> None:
        self.faults = faults or {site: {} for site in SITES}
        self._counts: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def lookup(self, site: str, path: str) -> Fault | None:
        """The fault configured for ``path`` (without query string) on ``site``, if any: the exact path,
        else the longest ``prefix*`` pattern it starts with."""
        faults = self.faults.get(site, {})
        exact = faults.get(path)
        if exact is not None:
            return exact
        patterns = [p for p in faults if p.endswith("*") and path.startswith(p[:-1])]
        return faults[max(patterns, key=len)] if patterns else None

    def should_fail(self, site: str, path: str, fault: Fault) -> bool:
        """Count a request to an ``http_500`` path; True while it must still fail."""
        with self._lock:
            n = self._counts.get((site, path), 0)
            self._counts[(site, path)] = n + 1
        return fault.times < 0 or n < fault.times

    def paths(self) -> dict[str, list[str]]:
        """Faulty paths per site (for docs and the ``serve`` banner)."""
        return {site: sorted(paths) for site, paths in self.faults.items()}


def parse_faults(raw: Any) -> FaultSet:
    """Build a FaultSet from the parsed mapping; raise FaultConfigError on a mistake."""
    if not isinstance(raw, dict):
        raise FaultConfigError("fault file must be a mapping of URL path -> fault")
    per_site: dict[str, dict[str, Fault]] = {site: {} for site in SITES}
    for key, value in raw.items():
        if key in SITES:
            if not isinstance(value, dict):
                raise FaultConfigError(f"faults for site {key!r} must be a mapping of URL path -> fault")
            for path, spec in value.items():
                per_site[key][_check_path(path)] = _fault(path, spec)
        else:
            fault = _fault(key, value)
            for site in SITES:
                per_site[site][_check_path(key)] = fault
    return FaultSet(per_site)


def load_faults(source: str | Path | dict | FaultSet | None) -> FaultSet:
    """Faults from a file path, a mapping, an existing FaultSet, ``"default"`` (the --fault-mode set), or none."""
    if source is None:
        return FaultSet()
    if isinstance(source, FaultSet):
        return source
    if source == "default":
        source = DEFAULT_FAULTS_FILE
    if not isinstance(source, str | Path):
        return parse_faults(source)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FaultConfigError(f"cannot read fault file {path}: {exc.strerror}") from None
    try:
        raw = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise FaultConfigError(f"fault file {path} is not valid {path.suffix.lstrip('.') or 'YAML'}: {exc}") from None
    return parse_faults(raw)


def default_faults() -> FaultSet:
    """The deterministic fault set of ``--fault-mode`` (listed in docs/fixture-sites.md)."""
    return load_faults(DEFAULT_FAULTS_FILE)


def _check_path(path: Any) -> str:
    if not isinstance(path, str) or not path.startswith("/"):
        raise FaultConfigError(f"fault path must start with '/': {path!r}")
    return path.split("?", 1)[0]


def _fault(path: str, spec: Any) -> Fault:
    if not isinstance(spec, dict) or spec.get("kind") not in KINDS:
        raise FaultConfigError(f"fault for {path!r} needs kind: one of {', '.join(KINDS)}")
    unknown = set(spec) - FIELDS
    if unknown:
        raise FaultConfigError(f"fault for {path!r} has unknown field(s): {', '.join(sorted(unknown))}")
    mode = spec.get("mode", "empty")
    if mode not in TRAP_MODES:
        raise FaultConfigError(f"fault for {path!r}: mode must be one of {', '.join(TRAP_MODES)}")
    paths = spec.get("paths", [])
    if not isinstance(paths, list) or not all(isinstance(p, str) and p.startswith("/") for p in paths):
        raise FaultConfigError(f"fault for {path!r}: paths must be a list of URL paths starting with '/'")
    try:
        return Fault(
            kind=spec["kind"],
            times=int(spec.get("times", 2)),
            delay=float(spec.get("delay", 3.0)),
            size_mb=float(spec.get("size_mb", 20.0)),
            declare_full_length=bool(spec.get("declare_full_length", False)),
            mode=mode,
            paths=tuple(paths),
        )
    except (TypeError, ValueError):
        raise FaultConfigError(f"fault for {path!r} has a non-numeric times/delay/size_mb") from None
