"""Synthetic analyst decisions for the demo, so a fresh install shows the whole learning loop.

Suggestions (``/ml``) are mined from analysts' decisions, and a new demo has none.
This decides a fixed share of the fixture ads from the generator's ground truth,
with the decision form's record shapes (:func:`triage_ui.store.decisions.decision_entries`),
as user ``demo-truth`` with a note that says what it is. Each ad update is
conditional on the version read (a decision made meanwhile wins) and nothing
waits for a refresh per ad (the form's ``wait_for`` would cost ~1 s each);
already decided ads are left alone, so a re-run adds nothing.
"""

from __future__ import annotations

from typing import Any

from elasticsearch import ConflictError

from devtools.fixture_sites import Corpus
from signaal.es.append_only import append
from signaal.settings import alias
from triage_ui.store.decisions import Decision, decision_entries

DECIDER = "demo-truth"
NOTE = "Synthetic decision from the fixture generator's ground truth (demo only, not an analyst's judgement)."


def _decision(ad_id: str, labels: dict[str, Any]) -> Decision:
    minor, trafficking = bool(labels.get("minor")), bool(labels.get("trafficking"))
    kind = "escalate_minor" if minor else "lead" if trafficking else "not_relevant"
    return Decision(ad_id, kind, "yes" if minor else "no", "yes" if trafficking else "no", NOTE)


def seed_decisions(es: Any, prefix: str, corpus: Corpus, every: int = 4) -> int:
    """Decide every ``every``-th fixture ad that is indexed and still undecided; return how many were decided."""
    ads = alias("ads", prefix)
    ids = [ad["id"] for ad in corpus.ads[::every]]
    decided = 0
    for doc in es.mget(index=ads, ids=ids, source_includes=["triage", "cluster"])["docs"]:
        triage = (doc.get("_source") or {}).get("triage") or {}
        if not doc.get("found") or triage.get("status") not in (None, "new"):
            continue
        new_triage, entry = decision_entries(
            _decision(doc["_id"], corpus.truth_for(doc["_id"])["labels"]),
            user=DECIDER,
            role="ml",
            previous_triage=triage,
            cluster_id=(doc["_source"].get("cluster") or {}).get("id"),
        )
        try:
            es.update(
                index=ads,
                id=doc["_id"],
                doc={"triage": new_triage},
                if_seq_no=doc["_seq_no"],
                if_primary_term=doc["_primary_term"],
            )
        except ConflictError:
            continue  # changed since it was read: leave it to whoever changed it
        append(es, "decisions", entry, prefix=prefix)
        decided += 1
    es.indices.refresh(index=[ads, alias("decisions", prefix)])
    return decided
