"""Which stage owns which top-level block of an ad record (docs/ARCHITECTURE.md, "Record schema").

Each stage adds its own blocks and never edits another stage's; a writer that
rewrites a whole ad (the indexer on a recrawl) must carry over the blocks that
later stages wrote. Those lists live here, once, so the indexer and linking
cannot disagree about them.
"""

from __future__ import annotations

LINKING_BLOCKS = ("cluster", "link_indicators", "text_minhash", "photo_chunks", "photo_places")
TRIAGE_BLOCKS = ("triage",)
# blocks written after indexing, which a re-index of the same ad must keep
DOWNSTREAM_BLOCKS = (*TRIAGE_BLOCKS, *LINKING_BLOCKS)
