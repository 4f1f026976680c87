"""Settings shared by every part of Signaal, read once from the environment.

Only what more than one part needs lives here: where Elasticsearch is and how
indices are named. A part with settings of its own keeps them next to its code
(Scrapy settings, lexicon files, model hyperparameters saved with the model).
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_ES_URL = "http://127.0.0.1:9200"


class Settings(BaseSettings):
    """Environment-driven settings (prefix ``SIGNAAL_``)."""

    model_config = SettingsConfigDict(env_prefix="SIGNAAL_", extra="ignore")

    es_url: str | None = Field(
        default=None,
        description="An existing cluster; when set, `signaal es up` provisions nothing.",
    )
    es_port: int = Field(default=9200, description="HTTP port of the locally provisioned node.")
    index_prefix: str = Field(
        default="signaal",
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Prefix of every alias and index; tests use their own to stay isolated.",
    )

    @property
    def effective_es_url(self) -> str:
        """The URL clients use: the external cluster if given, else the local node."""
        return self.es_url or f"http://127.0.0.1:{self.es_port}"

    @property
    def uses_external_cluster(self) -> bool:
        return self.es_url is not None

    def alias(self, kind: str) -> str:
        """Alias for one kind of document under this prefix (see :func:`alias`)."""
        return alias(kind, self.index_prefix)


def alias(kind: str, prefix: str | None = None) -> str:
    """The alias of one kind of document, e.g. ``alias("ads") == "signaal-ads"``.

    The one place that spells ``<prefix>-<kind>``; ``prefix`` defaults to ``SIGNAAL_INDEX_PREFIX``.
    """
    return f"{prefix or get_settings().index_prefix}-{kind}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()`` after changing env."""
    return Settings()
