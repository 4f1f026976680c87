"""Where a crawl keeps its files: state, evidence, index spool and photo copies.

One node crawling alone keeps them under ``var/``. Several crawl nodes must share
them (a site's crawl may resume on another node), so each directory can also be
set for the whole node by an environment variable of the same name as the
setting (``SIGNAAL_STATE_DIR``, ``SIGNAAL_EVIDENCE_DIR``, ``SIGNAAL_SPOOL_DIR``,
``SIGNAAL_IMAGE_DIR``), pointing at storage every node mounts
(docs/deployment.md). Order: the Scrapy setting (``signaal crawl --state-dir``,
``--set``), then the environment, then ``var/<default>``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from signaal.paths import var_dir

# setting / environment variable -> sub-directory of var/ used when neither is set
DEFAULT_SUBDIRS = {
    "SIGNAAL_STATE_DIR": "crawl-state",
    "SIGNAAL_EVIDENCE_DIR": "evidence",
    "SIGNAAL_SPOOL_DIR": "spool",
    "SIGNAAL_IMAGE_DIR": "images",
}


def crawl_dir(name: str, settings: Any = None) -> Path:
    """The directory ``name`` (one of :data:`DEFAULT_SUBDIRS`) for this crawl or this node."""
    value = settings.get(name) if settings is not None else None
    value = value or os.environ.get(name)
    return Path(value) if value else var_dir() / DEFAULT_SUBDIRS[name]
