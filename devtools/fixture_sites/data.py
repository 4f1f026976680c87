"""Load the generator's data files (phrase banks, places, names, rates) once per process.

The generator's behaviour lives in YAML next to this module so that phrasings and rates can be
reviewed and changed without touching code; this module only reads and caches them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).with_name("data")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
LANGUAGES = ("nl", "en")


@cache
def load(name: str) -> dict[str, Any]:
    """Return the parsed YAML file ``data/<name>.yaml`` (cached; callers must not mutate it)."""
    with (DATA_DIR / f"{name}.yaml").open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_LOADER)  # noqa: S506 (a safe loader: C version when available)


def phrases(language: str) -> dict[str, Any]:
    """Return the phrase bank of one language (``nl`` or ``en``)."""
    return load(f"phrases_{language}")
