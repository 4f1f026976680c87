"""Which rules produced an analysis: a fingerprint of the lexicons, pipeline configs, data and code.

Every analyzed ad carries it (``nlp_version``). A changed lexicon is therefore
noticed: ``signaal rescore`` re-analyzes every ad analyzed under another version,
so an accepted phrase reaches the ads already indexed, and an investigator can
say which rules flagged an ad.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from nlp import lexicon

PACKAGE_DIR = Path(__file__).resolve().parent


def _inputs() -> list[tuple[str, Path]]:
    """(stable name, file) for everything that decides what ``analyze`` finds."""
    root = lexicon.lexicon_dir()
    named = [
        (f"lexicons/{p.relative_to(root)}" if p.is_relative_to(root) else f"accepted/{p.name}", p)
        for p in lexicon.sources()
    ]
    for folder in (lexicon.CONFIG_DIR, lexicon.DATA_DIR, PACKAGE_DIR):
        pattern = "**/*.py" if folder == PACKAGE_DIR else "*"
        named += [(str(p.relative_to(PACKAGE_DIR)), p) for p in folder.glob(pattern) if p.is_file()]
    return sorted(named)


@cache
def analysis_version() -> str:
    """``nlp-<12 hex>``: the same files give the same version on every machine."""
    digest = hashlib.sha256()
    for name, path in _inputs():
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return f"nlp-{digest.hexdigest()[:12]}"
