"""Labelled training data: JSON Lines files or analyst decisions in Elasticsearch.

Both sources end as the same thing: a list of analyzed ad records, each with
``labels: {minor, trafficking}`` where a label is 1, 0 or None ("unknown" is
excluded from that target's training rows, not guessed).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from elasticsearch import helpers

from models.config import TARGETS
from nlp import analyze
from signaal.settings import alias

DECISION_LABELS = {"yes": 1, "no": 0}
LEAD_DECISIONS = ("lead", "escalate_minor")
CODE_PREFIX = {"minor": "MINOR_", "trafficking": "TRAF_"}


class DataError(Exception):
    """Unusable training data (one-line message for the CLI)."""


def _label(value: Any) -> int | None:
    if value in (1, True, "1", "yes"):
        return 1
    if value in (0, False, "0", "no"):
        return 0
    return None


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSON Lines file (``-`` is not supported here: training needs a real file)."""
    try:
        with Path(path).open("rb") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        yield orjson.loads(line)
                    except orjson.JSONDecodeError as exc:
                        raise DataError(f"{path}:{n}: not valid JSON ({exc})") from exc
    except FileNotFoundError as exc:
        raise DataError(f"no such file: {path}") from exc


ANALYSIS_FIELDS = ("language", "entities", "indicators")


def ensure_analyzed(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run ``nlp.analyze`` on the records that lack its fields (raw ads such as the fixture
    generator's ``labelled.jsonl``), so a model is always trained on what it will see when scoring."""
    raw = [i for i, r in enumerate(records) if any(f not in r for f in ANALYSIS_FIELDS)]
    if raw:
        for i, analyzed in zip(raw, analyze(records[i] for i in raw), strict=True):
            records[i] = analyzed
    return records


def labels_from_codes(codes: list[str]) -> dict[str, int]:
    """Labels of a corpus labelled with indicator codes (the blind corpora's ``truth.indicator_codes``).

    A writer who says an ad expresses a minor signal (any ``MINOR_`` code) or a trafficking
    signal (any ``TRAF_`` code) labels it as an analyst flagging it for that target would.
    """
    return {t: int(any(str(c).startswith(CODE_PREFIX[t]) for c in codes)) for t in TARGETS}


def read_labelled(path: Path) -> list[dict[str, Any]]:
    """The labelled records of a file as written (not analyzed yet); records without any known label are skipped.

    Labels come from ``labels: {minor, trafficking}``, or else from ``truth.indicator_codes``
    (:func:`labels_from_codes`).
    """
    records = []
    for record in read_jsonl(path):
        truth = record.get("truth") if isinstance(record.get("truth"), dict) else {}
        codes = truth.get("indicator_codes")
        labels = record.get("labels") or (labels_from_codes(codes) if isinstance(codes, list) else {})
        record["labels"] = {t: _label(labels.get(t)) for t in TARGETS}
        if any(v is not None for v in record["labels"].values()):
            records.append(record)
    if not records:
        raise DataError(f"{path}: no records with labels {{minor, trafficking}}")
    return records


def latest_decisions(es: Any, prefix: str) -> dict[str, dict[str, Any]]:
    """The latest decision per ad id from ``<prefix>-decisions`` (decided_at wins, then insertion)."""

    latest: dict[str, dict[str, Any]] = {}
    query = {"query": {"match_all": {}}, "_source": ["ad_id", "labels", "decision", "decided_at"]}
    for hit in helpers.scan(es, index=alias("decisions", prefix), query=query, preserve_order=False):
        doc = hit["_source"]
        ad_id = doc.get("ad_id")
        if not ad_id:
            continue
        if ad_id not in latest or str(doc.get("decided_at") or "") >= str(latest[ad_id].get("decided_at") or ""):
            latest[ad_id] = doc
    return latest


def outcomes(decision: dict[str, Any]) -> dict[str, int | None]:
    """What one decision says per target (1, 0 or None = unknown), and ``any`` = lead or not.

    The labels an analyst set win; where one is "unknown", the decision itself
    speaks: "not relevant" is a no for both targets, "escalate minor" a yes for
    minor; "lead" and "needs review" leave an unknown label unknown.
    """
    labels = decision.get("labels") or {}
    kind = decision.get("decision")
    out: dict[str, int | None] = {t: DECISION_LABELS.get(str(labels.get(t))) for t in TARGETS}
    if kind == "not_relevant":
        out = {t: 0 if v is None else v for t, v in out.items()}
    elif kind == "escalate_minor" and out["minor"] is None:
        out["minor"] = 1
    known = [v for v in out.values() if v is not None]
    if kind in LEAD_DECISIONS or 1 in known:
        out["any"] = 1
    elif kind == "not_relevant" or (known and len(known) == len(TARGETS)):
        out["any"] = 0
    else:
        out["any"] = None
    return out


def decided_ads(es: Any, prefix: str, batch: int = 500) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """``(ad record with its id, latest decision)`` for every decided ad still in ``<prefix>-ads``, by id."""
    decisions = latest_decisions(es, prefix)
    ids = sorted(decisions)
    out = []
    for start in range(0, len(ids), batch):
        found = es.mget(index=alias("ads", prefix), ids=ids[start : start + batch])
        out += [({**d["_source"], "id": d["_id"]}, decisions[d["_id"]]) for d in found["docs"] if d.get("found")]
    return out


def load_es(es: Any, prefix: str, batch: int = 500) -> list[dict[str, Any]]:
    """Ads from ``<prefix>-ads`` labelled by their latest decision (:func:`outcomes`; unknown excluded)."""
    records = []
    for record, decision in decided_ads(es, prefix, batch):
        found = outcomes(decision)
        record["labels"] = {t: found[t] for t in TARGETS}
        if any(v is not None for v in record["labels"].values()):
            records.append(record)
    if not records:
        raise DataError(f"no decided ads with labels in {alias('decisions', prefix)} / {alias('ads', prefix)}")
    return ensure_analyzed(records)


def label_matrix(records: Sequence[dict[str, Any]]) -> np.ndarray:
    """``(n, 2)`` float labels (minor, trafficking), NaN where unknown."""
    out = np.full((len(records), len(TARGETS)), np.nan)
    for i, record in enumerate(records):
        for j, target in enumerate(TARGETS):
            value = record["labels"].get(target)
            if value is not None:
                out[i, j] = value
    return out


def fingerprint(records: Sequence[dict[str, Any]]) -> str:
    """sha256 over sorted ``id minor trafficking`` lines: same data, same fingerprint, in any order."""
    lines = sorted(f"{r.get('id')}\t{r['labels'].get('minor')}\t{r['labels'].get('trafficking')}" for r in records)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
