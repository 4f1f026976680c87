"""Settings of the triage UI: one pydantic-settings class, read once from the environment.

Why one class: every security-relevant knob (secret, cookie flags, timeouts, rate limits)
is visible in one place and validated before the server accepts a single request.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from signaal.chromium import CHROMIUM_PATH
from signaal.paths import REPO_ROOT

DEV_SECRET = "signaal-dev-secret-change-me"  # noqa: S105 - refused outside development


class UISettings(BaseSettings):
    """Environment-driven UI settings (prefix ``SIGNAAL_UI_``)."""

    model_config = SettingsConfigDict(env_prefix="SIGNAAL_UI_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    secret_key: str = Field(default=DEV_SECRET, min_length=16, description="HMAC key for pre-login CSRF.")
    cookie_secure: bool | None = Field(
        default=None,
        description="Force the Secure cookie flag; None = Secure whenever the request came over https.",
    )
    session_idle_minutes: int = Field(default=30, ge=1)
    session_absolute_hours: float = Field(default=8, gt=0)
    session_touch_seconds: int = Field(
        default=30, ge=0, description="Write last_seen at most this often (keeps page views cheap)."
    )
    login_max_failures: int = Field(default=5, ge=1, description="Failures per window before lockout.")
    login_window_seconds: int = Field(default=900, ge=1)
    page_size: int = Field(default=50, ge=5, le=200)
    export_max_ads: int = Field(default=5000, ge=1)
    chromium_path: str = CHROMIUM_PATH
    evidence_dir: Path | None = Field(default=None, description="WARC files; None = var/evidence (the crawler's).")
    basemap: Path = Field(
        default=REPO_ROOT / "node_modules" / "world-atlas" / "countries-10m.json",
        description="Natural Earth boundaries (TopoJSON) for the map, installed by scripts/setup.sh (npm ci).",
    )
    public_key: Path | None = Field(
        default=None, description="PEM public key that checks WARC manifests; None = the installation's (var/keys)."
    )

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> UISettings:
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("SIGNAAL_UI_SECRET_KEY must be set to a random value outside development")
        if self.environment == "production" and self.cookie_secure is False:
            raise ValueError("SIGNAAL_UI_COOKIE_SECURE=false is only allowed in development")
        return self

    @property
    def session_idle_seconds(self) -> int:
        return self.session_idle_minutes * 60

    @property
    def session_absolute_seconds(self) -> int:
        return int(self.session_absolute_hours * 3600)


@lru_cache(maxsize=1)
def get_ui_settings() -> UISettings:
    """Process-wide UI settings; tests build their own ``UISettings`` and pass it to ``create_app``."""
    return UISettings()
