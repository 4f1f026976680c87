"""What every request needs: the ES client, the index prefix and the UI settings.

Built once by ``create_app`` and kept on ``app.state``, so tests run several apps side by
side against their own prefixes without touching process-wide settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from elasticsearch import Elasticsearch

from signaal.evidence.records import EvidenceReader
from signaal.evidence.seal import PUBLIC_NAME, key_dir
from signaal.paths import crawl_dir
from signaal.settings import alias
from triage_ui.config import UISettings


@dataclass(frozen=True)
class UIContext:
    es: Elasticsearch
    prefix: str
    settings: UISettings

    def alias(self, kind: str) -> str:
        """``<prefix>-<kind>``, the same naming as ``signaal.settings.Settings.alias``."""
        return alias(kind, self.prefix)

    @cached_property
    def evidence(self) -> EvidenceReader:
        """Reads archived pages and photos from the crawler's sealed WARC files (one reader per app)."""
        return EvidenceReader(
            self.settings.evidence_dir or crawl_dir("SIGNAAL_EVIDENCE_DIR"),
            self.settings.public_key or key_dir() / PUBLIC_NAME,
        )


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
