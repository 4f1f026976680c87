"""The Scrapy settings module of the Signaal egg on a Scrapyd node (copied into the egg as ``signaal_egg``).

Scrapyd puts a deployed egg, a zip file, on ``sys.path``. Signaal reads its data
(site YAML, term lists, lexicons, mappings) from files next to its code, which a
zip does not offer, so this module unpacks the egg once per version into
``SIGNAAL_EGG_CACHE`` (default: ``<tmp>/signaal-eggs``) and puts that directory
first on ``sys.path``: every crawl then runs exactly the code and config that
``signaal schedule`` deployed, whatever else is installed on the node. The
node's environment supplies the libraries (the pinned dependencies) and where
the data lives: ``SIGNAAL_VAR_DIR`` is required, because the default (``var/``
beside the code) would put crawl state inside the unpacked egg.

Standard library only: nothing of Signaal is importable before this has run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path


def _archive() -> Path | None:
    """The egg file this module was imported from (None when imported from a plain directory)."""
    archive = getattr(globals().get("__loader__"), "archive", None)
    return Path(archive) if archive else None


def unpack(archive: Path, cache: Path) -> Path:
    """Unpack ``archive`` into ``cache/<sha256 prefix>`` once (atomically: unpack beside it, then rename)."""
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()[:16]
    target = cache / digest
    if target.is_dir():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{digest}-", dir=cache))
    with zipfile.ZipFile(archive) as egg:
        egg.extractall(staging)
    try:
        staging.rename(target)
    except OSError:  # another crawl of the same version unpacked it first
        shutil.rmtree(staging, ignore_errors=True)
    return target


def activate() -> Path:
    """Make the deployed code importable ahead of anything installed; returns its directory."""
    if not os.environ.get("SIGNAAL_VAR_DIR"):
        raise RuntimeError("SIGNAAL_VAR_DIR is not set on this Scrapyd node (docs/deployment.md)")
    archive = _archive()
    if archive is None:
        return Path(__file__).resolve().parent
    cache = Path(os.environ.get("SIGNAAL_EGG_CACHE") or Path(tempfile.gettempdir()) / "signaal-eggs")
    root = unpack(archive, cache)
    sys.path.insert(0, str(root))
    return root


CODE_DIR = activate()

from crawler.settings import *  # noqa: E402, F403 (the settings Scrapy reads are this module's upper-case names)
