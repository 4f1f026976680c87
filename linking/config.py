"""Linking thresholds, read from ``linking.yaml`` (or a file the user names) into a validated model.

Thresholds decide how large clusters grow, so they live in a YAML file an
analyst can review and change without touching code; validation rejects
combinations that cannot work (more LSH rows than permutations) before a run.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

DEFAULT_CONFIG = Path(__file__).with_name("linking.yaml")
LINK_CODES = ("MINOR_AGE_INCONSISTENT", "TRAF_SHARED_CONTACT", "TRAF_TEMPLATE_TEXT")


class TextConfig(BaseModel):
    num_perm: int = Field(128, ge=16, le=1024)
    shingle_words: int = Field(3, ge=1, le=8)
    bands: int = Field(16, ge=1)
    rows: int = Field(8, ge=1)
    jaccard_threshold: float = Field(0.75, gt=0.0, le=1.0)
    min_tokens: int = Field(12, ge=1)

    @model_validator(mode="after")
    def _bands_fit(self) -> TextConfig:
        if self.bands * self.rows > self.num_perm:
            raise ValueError(f"text.bands x text.rows ({self.bands}x{self.rows}) exceeds num_perm {self.num_perm}")
        return self


class PhotoConfig(BaseModel):
    max_distance: int = Field(6, ge=0, le=15)


class GpsConfig(BaseModel):
    max_distance_m: float = Field(50.0, gt=0, le=5000)


class TooCommon(BaseModel):
    phone: int = Field(40, ge=2)
    email: int = Field(40, ge=2)
    handle: int = Field(40, ge=2)
    image: int = Field(40, ge=2)
    gps: int = Field(40, ge=2)
    text_band: int = Field(60, ge=2)


class IndicatorConfig(BaseModel):
    category: str
    weight: float = Field(ge=0.0, le=1.0)
    age_tolerance: int = Field(0, ge=0)
    min_similarity: float = Field(0.3, gt=0.0, le=1.0)
    max_cluster_pairs_size: int = Field(200, ge=2)


class LinkingConfig(BaseModel):
    text: TextConfig = TextConfig()
    photo: PhotoConfig = PhotoConfig()
    gps: GpsConfig = GpsConfig()
    too_common: TooCommon = TooCommon()
    indicators: dict[str, IndicatorConfig]
    batch_size: int = Field(1000, ge=10, le=10000)

    @model_validator(mode="after")
    def _all_codes(self) -> LinkingConfig:
        missing = [code for code in LINK_CODES if code not in self.indicators]
        if missing:
            raise ValueError(f"indicators: missing {', '.join(missing)}")
        return self


class ConfigError(ValueError):
    """The linking configuration file is missing or invalid (message is one line, for the CLI)."""


def load_config(path: Path | str | None = None) -> LinkingConfig:
    """Load ``path``, else ``$SIGNAAL_LINKING_CONFIG``, else the packaged ``linking.yaml``."""
    chosen = Path(path or os.environ.get("SIGNAAL_LINKING_CONFIG") or DEFAULT_CONFIG)
    try:
        raw = yaml.safe_load(chosen.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read linking config {chosen}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"linking config {chosen} is not valid YAML: {exc}") from None
    try:
        return LinkingConfig.model_validate(raw or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise ConfigError(f"linking config {chosen}: {where}: {first['msg']}") from None


@lru_cache(maxsize=1)
def default_config() -> LinkingConfig:
    """The packaged configuration, parsed once."""
    return load_config(DEFAULT_CONFIG)
