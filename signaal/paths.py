"""Where Signaal keeps files: the repository, its data files and the var/ tree.

Everything that is generated at run time (Elasticsearch data, WARC files, model
registry, crawl state) lives under ``var/`` (``SIGNAAL_VAR_DIR``) so a checkout
stays clean and one ``rm -rf var`` resets an installation. Downloads that are
expensive to repeat live in a cache outside the repository.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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


# Where a crawl keeps its files: state, evidence, index spool and photo copies. One node crawling alone keeps
# them under var/. Several crawl nodes must share them (a site's crawl may resume on another node), so each
# directory can also be set for the whole node by an environment variable of the same name as the setting
# (SIGNAAL_STATE_DIR, SIGNAAL_EVIDENCE_DIR, SIGNAAL_SPOOL_DIR, SIGNAAL_IMAGE_DIR) pointing at storage every node
# mounts (docs/deployment.md); the triage UI reads evidence and photo copies from the same places.
# setting / environment variable -> sub-directory of var/ used when neither is set
CRAWL_SUBDIRS = {
    "SIGNAAL_STATE_DIR": "crawl-state",
    "SIGNAAL_EVIDENCE_DIR": "evidence",
    "SIGNAAL_SPOOL_DIR": "spool",
    "SIGNAAL_IMAGE_DIR": "images",
}


def crawl_dir(name: str, settings: Any = None) -> Path:
    """The directory ``name`` (a key of :data:`CRAWL_SUBDIRS`): the Scrapy setting (``--state-dir``, ``--set``),
    then the environment, then ``var/<default>``."""
    value = settings.get(name) if settings is not None else None
    value = value or os.environ.get(name)
    return Path(value) if value else var_dir() / CRAWL_SUBDIRS[name]
