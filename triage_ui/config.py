"""Settings of the triage UI: one pydantic-settings class, read once from the environment.

Why one class: every security-relevant knob (secret, cookie flags, timeouts, throttling,
second factor, password policy) is visible in one place and validated before the server
accepts a single request. Production is the default; only ``signaal ui --dev``
(``SIGNAAL_UI_ENVIRONMENT=development``) relaxes anything.
"""

from __future__ import annotations

import ipaddress
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from signaal.chromium import CHROMIUM_PATH
from signaal.paths import REPO_ROOT

DEV_SECRET = "signaal-dev-secret-change-me"  # noqa: S105 - refused outside development
MIN_SECRET_LENGTH = 32
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class UISettings(BaseSettings):
    """Environment-driven UI settings (prefix ``SIGNAAL_UI_``)."""

    model_config = SettingsConfigDict(env_prefix="SIGNAAL_UI_", extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        default="production", description="'development' (signaal ui --dev) relaxes cookies and the secret check."
    )
    secret_key: str = Field(
        default=DEV_SECRET, description="HMAC key (pre-login CSRF, device cookies) and TOTP seed encryption key."
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses/networks of reverse proxies whose X-Forwarded-For is believed.",
    )
    session_idle_minutes: int = Field(default=30, ge=1)
    session_absolute_hours: float = Field(default=8, gt=0)
    session_pending_minutes: int = Field(default=5, ge=1, description="Time to finish the second factor.")
    session_touch_seconds: int = Field(
        default=30, ge=0, description="Write last_seen at most this often (keeps page views cheap)."
    )
    # Login throttling (counters in Elasticsearch, shared by every worker).
    login_free_failures: int = Field(default=5, ge=1, description="Failures per account before delays start.")
    login_delay_seconds: float = Field(default=2.0, gt=0, description="First delay; doubles per further failure.")
    login_delay_max_seconds: float = Field(default=120.0, gt=0, description="The longest an account waits.")
    login_source_soft_limit: int = Field(
        default=30, ge=1, description="Failures from one address before it must give password and code together."
    )
    login_source_tarpit_seconds: float = Field(
        default=1.0, ge=0, description="Extra wait on each failure from an address over its soft limit."
    )
    login_window_seconds: int = Field(default=900, ge=1, description="Quiet time after which counters reset.")
    # Second factor and step-up.
    mfa_step_up_minutes: int = Field(default=10, ge=1, description="How long a re-entered second factor counts.")
    mfa_recovery_codes: int = Field(default=10, ge=4, le=20)
    mfa_issuer: str = Field(default="Signaal", max_length=40)
    # Passwords (argon2id; changing a parameter rehashes each password at its next login).
    password_min_length: int = Field(default=12, ge=8)
    password_min_score: int = Field(default=3, ge=0, le=4, description="zxcvbn strength score a new password needs.")
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=1024)
    argon2_parallelism: int = Field(default=4, ge=1)
    # Pages and exports.
    page_size: int = Field(default=50, ge=5, le=200)
    export_max_ads: int = Field(default=5000, ge=1)
    pdf_max_ads: int = Field(default=200, ge=1, description="Ads per PDF report; larger reports are refused.")
    pdf_per_user: int = Field(default=10, ge=1, description="PDF reports per user per pdf_window_seconds.")
    pdf_window_seconds: int = Field(default=600, ge=1)
    pdf_concurrency: int = Field(default=2, ge=1, le=8, description="Pages rendered at once by the one browser.")
    pdf_timeout_seconds: float = Field(default=120.0, gt=0)
    chromium_path: str = CHROMIUM_PATH
    evidence_dir: Path | None = Field(default=None, description="WARC files; None = var/evidence (the crawler's).")
    basemap: Path = Field(
        default=REPO_ROOT / "node_modules" / "world-atlas" / "countries-10m.json",
        description="Natural Earth boundaries (TopoJSON) for the map, installed by scripts/setup.sh (npm ci).",
    )
    public_key: Path | None = Field(
        default=None, description="PEM public key that checks WARC manifests; None = the installation's (var/keys)."
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks_parse(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError:
                raise ValueError(f"SIGNAAL_UI_TRUSTED_PROXIES: {part!r} is not an address or network") from None
        return value

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> UISettings:
        if self.is_dev:
            return self
        if self.secret_key == DEV_SECRET:
            raise ValueError("SIGNAAL_UI_SECRET_KEY must be set to a random value outside development (--dev)")
        if len(self.secret_key) < MIN_SECRET_LENGTH:
            raise ValueError(f"SIGNAAL_UI_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters")
        return self

    @property
    def is_dev(self) -> bool:
        return self.environment == "development"

    @property
    def secure_cookies(self) -> bool:
        """Cookies are ``Secure`` (and ``__Host-`` prefixed) everywhere but in --dev."""
        return not self.is_dev

    @cached_property
    def proxy_networks(self) -> tuple[IPNetwork, ...]:
        parts = filter(None, (p.strip() for p in self.trusted_proxies.split(",")))
        return tuple(ipaddress.ip_network(part, strict=False) for part in parts)

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
