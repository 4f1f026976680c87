"""Settings shared by every part of Signaal, read once from the environment.

Only what more than one part needs lives here: where Elasticsearch is, how to
authenticate to it, and how indices are named. A part with settings of its own
keeps them next to its code (Scrapy settings, lexicon files, model
hyperparameters saved with the model).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from signaal.paths import local_es_dir

DEFAULT_ES_URL = "http://127.0.0.1:9200"
# What `signaal es up` leaves under var/es for clients: node URLs + CA, and one credential file per component.
CONNECTION_FILE = "connection.json"
CREDENTIALS_DIR = "credentials"


class Settings(BaseSettings):
    """Environment-driven settings (prefix ``SIGNAAL_``)."""

    model_config = SettingsConfigDict(env_prefix="SIGNAAL_", extra="ignore")

    es_url: str | None = Field(
        default=None,
        description="Existing cluster: one URL or several, comma-separated; `signaal es up` then provisions nothing.",
    )
    es_port: int = Field(default=9200, description="HTTP port of the local node when `signaal es up` recorded none.")
    es_user: str | None = Field(default=None, description="User name for every component of this process.")
    es_password: SecretStr | None = Field(default=None, description="Password of `es_user`.")
    es_api_key: SecretStr | None = Field(default=None, description="Encoded API key; wins over user and password.")
    es_ca_certs: Path | None = Field(default=None, description="CA bundle that signed the cluster's HTTP certificate.")
    es_credentials_dir: Path | None = Field(
        default=None,
        description="Directory of per-component credential files (`<component>.json`); default: the local node's.",
    )
    es_text_analysis: str | None = Field(
        default=None,
        description="Force a text-analysis variant of es_mappings/analysis/ instead of the best the cluster offers.",
    )
    es_sniff: bool = Field(
        default=False,
        description="Ask the cluster for its nodes and spread requests over them (not behind a load balancer).",
    )
    index_prefix: str = Field(
        default="signaal",
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Prefix of every alias and index; tests use their own to stay isolated.",
    )

    @property
    def es_hosts(self) -> list[str]:
        """Node URLs clients use: ``SIGNAAL_ES_URL`` (comma-separated), else what `signaal es up` recorded."""
        if self.es_url:
            return [url.strip() for url in self.es_url.split(",") if url.strip()]
        recorded = local_connection().get("hosts")
        return list(recorded) if recorded else [f"http://127.0.0.1:{self.es_port}"]

    @property
    def effective_es_url(self) -> str:
        """The node URLs as one string, for messages."""
        return ",".join(self.es_hosts)

    @property
    def uses_external_cluster(self) -> bool:
        return self.es_url is not None

    @property
    def ca_certs(self) -> Path | None:
        """``SIGNAAL_ES_CA_CERTS``, else the CA `signaal es up --tls` generated (local node only)."""
        if self.es_ca_certs or self.es_url:
            return self.es_ca_certs
        recorded = local_connection().get("ca_certs")
        return Path(recorded) if recorded else None

    @property
    def credentials_dir(self) -> Path | None:
        """Where component credential files are read: ``SIGNAAL_ES_CREDENTIALS_DIR``, else the local node's.

        With ``SIGNAAL_ES_URL`` and no directory given, files are not read at all: credentials of a
        local node must never be sent to another cluster.
        """
        if self.es_credentials_dir or self.es_url:
            return self.es_credentials_dir
        return local_es_dir() / CREDENTIALS_DIR

    def alias(self, kind: str) -> str:
        """Alias for one kind of document under this prefix (see :func:`alias`)."""
        return alias(kind, self.index_prefix)


def alias(kind: str, prefix: str | None = None) -> str:
    """The alias of one kind of document, e.g. ``alias("ads") == "signaal-ads"``.

    The one place that spells ``<prefix>-<kind>``; ``prefix`` defaults to ``SIGNAAL_INDEX_PREFIX``.
    """
    return f"{prefix or get_settings().index_prefix}-{kind}"


def local_connection() -> dict:
    """What `signaal es up` recorded for clients (``var/es/connection.json``: hosts, ca_certs), or ``{}``."""
    path = local_es_dir() / CONNECTION_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()`` after changing env."""
    return Settings()
