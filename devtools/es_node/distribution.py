"""Fetch the Elasticsearch server through Maven and unpack it once.

The only Elasticsearch build a package registry serves is the ``integ-test-zip``
on Maven Central: a complete server without the optional modules and without a
bundled JDK (it runs on the machine's Java 17). The zip is cached outside the
checkout (``signaal.paths.cache_dir()``) so a fresh clone or ``rm -rf var`` does
not download it again; it is unpacked under ``var/es/`` so that the unprivileged
user Elasticsearch runs as can read it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from signaal.es.errors import EsSetupError
from signaal.paths import cache_dir, local_es_dir

# Newest 8.x on Maven Central that runs on Java 17; the Python client is pinned to 8.19.x to match.
DEFAULT_VERSION = "8.19.21"
ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"


def es_version() -> str:
    """The server version to provision (``SIGNAAL_ES_VERSION`` overrides the pinned default)."""
    return os.environ.get("SIGNAAL_ES_VERSION", DEFAULT_VERSION)


def es_root() -> Path:
    """``var/es``: unpacked distributions, the local nodes, credentials and certificates."""
    path = local_es_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


def zip_path(version: str) -> Path:
    return cache_dir() / "elasticsearch" / f"elasticsearch-{version}.zip"


def fetch_zip(version: str | None = None) -> Path:
    """Return the cached distribution zip, running ``mvn dependency:copy`` the first time."""
    version = version or es_version()
    target = zip_path(version)
    if target.is_file() and zipfile.is_zipfile(target):
        return target
    mvn = shutil.which("mvn")
    if mvn is None:
        raise EsSetupError("Maven (mvn) not found; install it (apt-get install -y maven) or set SIGNAAL_ES_URL")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        cmd = [
            mvn,
            "-q",
            "-B",
            "dependency:copy",
            f"-Dartifact={ARTIFACT.format(version=version)}",
            f"-DoutputDirectory={tmp}",
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
        got = list(Path(tmp).glob("*.zip"))
        if proc.returncode != 0 or not got:
            last = (proc.stdout + proc.stderr).strip().splitlines()[-1:] or ["no output"]
            raise EsSetupError(f"download of Elasticsearch {version} through Maven failed: {last[0][:300]}")
        got[0].replace(target)
    return target


def unpack(zip_file: Path, dest_root: Path) -> Path:
    """Unpack once into ``dest_root/elasticsearch-<version>``; keeps the executable bits zipfile drops."""
    with zipfile.ZipFile(zip_file) as zf:
        top = zf.namelist()[0].split("/")[0]
        home = dest_root / top
        if (home / "bin" / "elasticsearch").is_file():
            return home
        with tempfile.TemporaryDirectory(dir=dest_root) as tmp:
            for info in zf.infolist():
                extracted = Path(zf.extract(info, tmp))
                mode = (info.external_attr >> 16) & 0o777
                if mode:
                    extracted.chmod(mode)
            staged = Path(tmp) / top
            _make_world_readable(staged)
            staged.replace(home)
    return home


def _make_world_readable(root: Path) -> None:
    """The server runs as another user: it must read (and traverse) the whole tree."""
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode & 0o777
        extra = 0o055 if path.is_dir() or mode & 0o100 else 0o044
        path.chmod(mode | extra)


def ensure_distribution(version: str | None = None) -> Path:
    """Fetch (cached) and unpack (once); return the Elasticsearch home directory."""
    version = version or es_version()
    dest = es_root() / "dist"
    dest.mkdir(parents=True, exist_ok=True)
    home = dest / f"elasticsearch-{version}"
    if (home / "bin" / "elasticsearch").is_file():
        return home
    return unpack(fetch_zip(version), dest)
