"""Versioned model registry under ``var/models`` (outside git).

Layout::

    var/models/index.json          versions, their artifact sha256, promoted version, promotion history
    var/models/v0001/model.skops   the fitted artifact (skops, never pickle)
    var/models/v0001/metrics.json  held-out metrics, baseline, ablation, classifier comparison
    var/models/v0001/settings.json feature settings and hyperparameters
    var/models/v0001/card.md       model card for humans
    var/models/v0001/report/       held-out report: report.md, report.json, PR and calibration plots (PNG)

Loading verifies the artifact's sha256 against the index and lets skops
construct only the types listed in ``models/data/trusted_types.yaml``; a
tampered or unexpected file is refused with :class:`RegistryError`.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from models.config import DATA_DIR
from signaal.ids import file_sha256, utc_now
from signaal.paths import var_dir

INDEX_FILE = "index.json"
ARTIFACT_FILE = "model.skops"


class RegistryError(Exception):
    """A registry problem a user can cause or fix (one line, no traceback)."""


@lru_cache(maxsize=1)
def trusted_types() -> frozenset[str]:
    with (DATA_DIR / "trusted_types.yaml").open(encoding="utf-8") as fh:
        return frozenset(yaml.safe_load(fh))


class Registry:
    """Read and change the registry; every change rewrites ``index.json`` atomically under a lock."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @classmethod
    def default(cls) -> Registry:
        return cls(var_dir() / "models")

    # -- index -----------------------------------------------------------------------------------------
    def _read(self) -> dict[str, Any]:
        path = self.root / INDEX_FILE
        if not path.exists():
            return {"versions": [], "promoted": None, "history": []}
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise RegistryError(f"registry index {path} is not valid JSON: {exc}") from exc

    def _write(self, index: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{INDEX_FILE}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(index, indent=2, sort_keys=True), encoding="utf-8")
        tmp.replace(self.root / INDEX_FILE)

    @contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            index = self._read()
            yield index
            self._write(index)

    def versions(self) -> list[dict[str, Any]]:
        index = self._read()
        return [{**v, "promoted": v["version"] == index.get("promoted")} for v in index["versions"]]

    def promoted(self) -> str | None:
        return self._read().get("promoted")

    def state_token(self) -> tuple[str, str | None, str | None]:
        """Changes whenever the promoted artifact changes; cheap enough to check per batch."""
        index = self._read()
        version = index.get("promoted")
        entry = next((v for v in index["versions"] if v["version"] == version), None)
        return (str(self.root), version, entry["sha256"] if entry else None)

    def entry(self, version: str) -> dict[str, Any]:
        for v in self._read()["versions"]:
            if v["version"] == version:
                return v
        raise RegistryError(f"no model version {version!r} in {self.root} (see `signaal models list`)")

    # -- changes ---------------------------------------------------------------------------------------
    def with_fingerprint(self, fingerprint: str) -> str | None:
        """The newest version trained on exactly these labels (same data fingerprint), if any."""
        found = [v["version"] for v in self._read()["versions"] if v.get("fingerprint") == fingerprint]
        return found[-1] if found else None

    def report_dir(self, version: str) -> Path:
        """Where a version's held-out report (report.md, report.json, PNG plots) is written."""
        return self.root / self.entry(version)["version"] / "report"

    def register(
        self,
        artifact: Any,
        *,
        metrics: dict[str, Any],
        settings: dict[str, Any],
        fingerprint: str,
        card: str,
        source: str = "",
        synthetic: bool = False,
    ) -> str:
        """Save a fitted artifact with its metadata as the next version; return e.g. ``v0003``.

        ``synthetic`` marks a model trained on generated labels (the demo's first model), so the
        registry, ``signaal models list`` and the ML page never present it as learned from analysts.
        """
        import skops.io as sio

        with self._locked() as index:
            number = 1 + max((int(v["version"][1:]) for v in index["versions"]), default=0)
            version = f"v{number:04d}"
            folder = self.root / version
            folder.mkdir(parents=True, exist_ok=False)
            sio.dump(artifact, folder / ARTIFACT_FILE)
            (folder / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True), "utf-8")
            (folder / "settings.json").write_text(json.dumps(settings, indent=2, sort_keys=True), "utf-8")
            (folder / "card.md").write_text(card.replace("{version}", version), "utf-8")
            index["versions"].append(
                {
                    "version": version,
                    "created_at": utc_now(),
                    "artifact": f"{version}/{ARTIFACT_FILE}",
                    "sha256": file_sha256(folder / ARTIFACT_FILE),
                    "fingerprint": fingerprint,
                    "source": source,
                    "synthetic": synthetic,
                    "summary": metrics.get("summary", {}),
                }
            )
        return version

    def promote(self, version: str) -> None:
        self.entry(version)
        self.load(version)  # refuse to promote an artifact that would not load
        with self._locked() as index:
            index["promoted"] = version
            index["history"].append({"version": version, "at": utc_now()})

    def rollback(self) -> str | None:
        """Promote the previously promoted version (or the rules baseline when there is none)."""
        with self._locked() as index:
            history = index["history"]
            if not history:
                raise RegistryError("nothing to roll back: no model was ever promoted")
            current = index.get("promoted")
            previous = [h["version"] for h in history if h["version"] != current]
            target = previous[-1] if previous else None
            # drop the current promotion(s) from the top of the history
            while history and history[-1]["version"] == current:
                history.pop()
            index["promoted"] = target
        return target

    # -- loading ---------------------------------------------------------------------------------------
    def load(self, version: str) -> Any:
        """Load a version's scorer after checking its hash and the types it contains."""
        # Imported here, not at the top: scikit-learn + skops cost 1.2-1.6 s and 130-150 MB per process
        # (python -X importtime, 2026-12-05), which the rules baseline (no promoted model) never needs.
        import skops.io as sio

        from models.learned import LearnedScorer

        entry = self.entry(version)
        path = self.root / entry["artifact"]
        if not path.exists():
            raise RegistryError(f"model {version}: artifact {path} is missing")
        if file_sha256(path) != entry["sha256"]:
            raise RegistryError(f"model {version}: artifact {path} does not match its recorded sha256 (tampered?)")
        try:
            found = set(sio.get_untrusted_types(file=path))
        except Exception as exc:
            raise RegistryError(f"model {version}: {path} is not a valid skops file ({exc})") from exc
        unknown = sorted(found - trusted_types())
        if unknown:
            raise RegistryError(f"model {version}: refusing untrusted types in artifact: {', '.join(unknown)}")
        artifact = sio.load(path, trusted=sorted(found))
        try:
            return LearnedScorer(artifact, model_version=version)
        except ValueError as exc:  # e.g. an artifact format written by an older Signaal
            raise RegistryError(f"model {version}: {exc}") from exc

    def load_promoted(self) -> Any | None:
        version = self.promoted()
        return self.load(version) if version else None
