"""Credentials per component: which user (or API key) a process of Signaal talks to Elasticsearch as.

Each component (``ui``, ``indexer``, ...; the list and their privileges are in
es_mappings/security/roles.json) has its own least-privilege user. Provisioning
writes one file per component, ``<credentials dir>/<component>.json``, readable by
the owner only (mode 0600, directory 0700), so a process finds its own
credentials without them ever being in git, on a command line or in the
environment of other processes. For an external cluster the same shape works:
``SIGNAAL_ES_CREDENTIALS_DIR`` with files, or ``SIGNAAL_ES_API_KEY`` /
``SIGNAAL_ES_USER`` + ``SIGNAAL_ES_PASSWORD`` for every component of a process.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from signaal.es.errors import EsSetupError
from signaal.settings import Settings

DIR_MODE = 0o700


@dataclass(frozen=True)
class Credentials:
    """A user name and password, or an encoded API key (secrets kept out of ``repr``)."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for ``Elasticsearch(...)``."""
        if self.api_key:
            return {"api_key": self.api_key}
        if self.username and self.password is not None:
            return {"basic_auth": (self.username, self.password)}
        return {}

    def to_json(self) -> dict[str, str]:
        return {key: value for key, value in vars(self).items() if value is not None}


def credentials_file(directory: Path, component: str) -> Path:
    return directory / f"{component}.json"


def read_credentials(directory: Path, component: str) -> Credentials | None:
    """The component's file, or None when there is none; a file others can read is refused."""
    path = credentials_file(directory, component)
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        return None
    if mode & 0o077:
        raise EsSetupError(f"{path} is readable by others (mode {mode:o}); chmod 600 it")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Credentials(**{key: raw[key] for key in ("username", "password", "api_key") if key in raw})
    except (OSError, ValueError, TypeError) as exc:
        raise EsSetupError(f"{path}: not a credentials file ({exc})") from None


def write_credentials(directory: Path, component: str, credentials: Credentials) -> Path:
    """Write atomically with mode 0600 (created so, never chmod-ed afterwards) in a 0700 directory."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(DIR_MODE)
    path = credentials_file(directory, component)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{component}.", suffix=".tmp")  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(credentials.to_json(), out)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def resolve_credentials(settings: Settings, component: str) -> Credentials | None:
    """API key from the environment, then user + password from it, then the component's file; else none."""
    if settings.es_api_key is not None:
        return Credentials(api_key=settings.es_api_key.get_secret_value())
    if settings.es_user:
        password = settings.es_password.get_secret_value() if settings.es_password else None
        if password is None:
            raise EsSetupError("SIGNAAL_ES_USER is set but SIGNAAL_ES_PASSWORD is not")
        return Credentials(username=settings.es_user, password=password)
    directory = settings.credentials_dir
    return read_credentials(directory, component) if directory else None
