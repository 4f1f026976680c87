"""Where Signaal keeps files: the repository, its data files and the var/ tree.

Everything that is generated at run time (Elasticsearch data, WARC files, model
registry, crawl state) lives under ``var/`` (``SIGNAAL_VAR_DIR``) so a checkout
stays clean and one ``rm -rf var`` resets an installation. Downloads that are
expensive to repeat live in a cache outside the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
ES_MAPPINGS_DIR = REPO_ROOT / "es_mappings"


def var_dir() -> Path:
    """Return the runtime data directory, creating it on first use."""
    path = Path(os.environ.get("SIGNAAL_VAR_DIR", REPO_ROOT / "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """Return the download cache (outside git), shared by every checkout on the machine."""
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "signaal"
    path = Path(os.environ.get("SIGNAAL_CACHE_DIR", default)).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def local_es_dir() -> Path:
    """``var/es``: the local Elasticsearch (distribution, nodes, credentials, certificates, connection file)."""
    return var_dir() / "es"
