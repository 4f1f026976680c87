"""What one indexing run did, in numbers a person (and a test) can check."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class IndexReport:
    """Counters of one :func:`indexing.index_ads` run.

    ``indexed = created + updated + unchanged``: an *unchanged* ad (same
    ``content_hash``) is still rewritten, to refresh ``last_seen`` and the
    analysis blocks, but keeps its version. ``failed`` counts ads that were not
    written; those rejected by Elasticsearch are also ``dead_lettered``.
    """

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    dead_lettered: int = 0
    versions_archived: int = 0
    conflicts_retried: int = 0
    chunk_seconds: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def indexed(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        rate = self.indexed / self.seconds if self.seconds else 0.0
        return (
            f"indexed {self.indexed} (created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}), failed {self.failed}, dead-lettered {self.dead_lettered}, "
            f"versions archived {self.versions_archived} in {self.seconds:.1f}s ({rate:,.0f} ads/s)"
        )
