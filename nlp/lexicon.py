"""Load the editable lexicon files (YAML per language) that drive every matcher.

An analyst adds a term by editing ``nlp/lexicons/<lang>/<kind>.yaml``; no code
changes. A pipeline may merge several languages (Dutch ads borrow English ad
language and vice versa), so lists are concatenated and mappings merged.
``SIGNAAL_LEXICON_DIR`` points at another lexicon tree (a deployment's own copy). Proposals
that ML staff accepted from analysts' decisions (:mod:`nlp.accepted`, a file outside the
package) are merged into the indicator lexicon last.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from nlp import accepted

DEFAULT_LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
DATA_DIR = Path(__file__).resolve().parent / "data"
CONFIG_DIR = Path(__file__).resolve().parent / "configs"  # one spaCy .cfg per language


def lexicon_dir() -> Path:
    """The lexicon tree in use: ``SIGNAAL_LEXICON_DIR`` or the one shipped with the package."""
    return Path(os.environ.get("SIGNAAL_LEXICON_DIR") or DEFAULT_LEXICON_DIR)


def sources() -> list[Path]:
    """Every lexicon file that can take part in an analysis (for the analysis version), accepted proposals last."""
    files = sorted(lexicon_dir().rglob("*.yaml"))
    overlay = accepted.overlay_path()
    return [*files, overlay] if overlay.is_file() else files


class _LexiconLoader(yaml.SafeLoader):
    """SafeLoader where only true/false are booleans: "no", "on", "off", "yes" are lexicon words."""


_LexiconLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LexiconLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@cache
def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_LexiconLoader) or {}  # noqa: S506 (a SafeLoader subclass)


def _merge(into: Any, more: Any) -> Any:
    if isinstance(into, dict) and isinstance(more, dict):
        out = dict(into)
        for key, value in more.items():
            out[key] = _merge(out[key], value) if key in out else value
        return out
    if isinstance(into, list) and isinstance(more, list):
        return into + [v for v in more if v not in into]
    return more


def load(kind: str, langs: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """Merge ``common/<kind>.yaml`` and ``<lang>/<kind>.yaml`` for each language, in order.

    Indicators also get the accepted proposals' terms and exclusions (every language: both
    pipelines read both languages' lexicons).
    """
    merged: dict[str, Any] = {}
    for lang in ("common", *langs):
        path = lexicon_dir() / lang / f"{kind}.yaml"
        if path.exists():
            merged = _merge(merged, _read(path))
    if kind == "indicators":
        merged = _merge(merged, accepted.indicator_fragment(set(codes())))
    return merged


def load_each(kind: str, langs: tuple[str, ...] | list[str]) -> list[tuple[str, dict[str, Any]]]:
    """``(lang, content)`` of ``common/<kind>.yaml`` and each ``<lang>/<kind>.yaml`` that exists, unmerged.

    For data whose meaning depends on its language (indicator rules are stemmed with the
    stemmer of the file they are written in).
    """
    out = []
    for lang in ("common", *langs):
        path = lexicon_dir() / lang / f"{kind}.yaml"
        if path.exists():
            out.append((lang, _read(path)))
    return out


def codes() -> dict[str, dict[str, Any]]:
    """Indicator codes with category and starting weight (``common/codes.yaml``)."""
    return _read(lexicon_dir() / "common" / "codes.yaml")["codes"]


def forget() -> None:
    """Drop the cached files, so the next load reads the lexicons on disk again."""
    _read.cache_clear()
