"""The security probes' figures, written where ``bench/bench_security.py`` reads them.

Each probe test records what it counted (requests, refusals, renders...) under its own key in
``var/test-artifacts/security-figures.json``; the bench runs the probes and prints the table.
"""

from __future__ import annotations

import json
from pathlib import Path

from signaal.paths import var_dir


def figures_path() -> Path:
    return var_dir() / "test-artifacts" / "security-figures.json"


def record(key: str, **values: object) -> None:
    path = figures_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(path.read_text()) if path.exists() else {}
    current[key] = values
    path.write_text(json.dumps(current, indent=1, sort_keys=True))
