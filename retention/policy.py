"""The retention policy file, validated before anything is touched."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

DEFAULT_POLICY_PATH = Path(__file__).with_name("policy.yaml")


class RetentionPolicy(BaseModel):
    """What is old enough to go, what happens to it, and what is never touched."""

    model_config = ConfigDict(extra="forbid")

    max_age_days: int = Field(ge=1)
    action: Literal["delete", "pseudonymise"]
    protected_statuses: list[str] = Field(min_length=1)
    delete_unreferenced_evidence: bool = True


def load_policy(path: Path | None = None) -> RetentionPolicy:
    """Read and validate a policy file (ValueError with the file name on a bad file)."""
    path = path or DEFAULT_POLICY_PATH
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return RetentionPolicy.model_validate(data)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise ValueError(f"{path}: invalid retention policy: {exc}") from exc
