"""Precision, recall and F1 of ``analyze`` against labelled ads.

A corpus is either the fixture generator's output (``ads.jsonl`` + ``truth.jsonl``) or one
JSON Lines file whose ads carry their labels in a ``truth`` block. The generator's phrase banks
and the lexicons were written by the same team, so a generator figure shows that the rules agree
with their authors; only corpora written blind (docs/nlp.md) show how the NLP generalises.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlp.analyzer import analyze
from nlp.lexicon import codes

ENTITY_TYPES = ("phones", "emails", "handles", "ages", "locations", "prices", "names")
TARGETS = {"phones": 0.97, "emails": 0.97, "handles": 0.97, "ages": 0.97, "locations": 0.97}
INDICATOR_TARGET = 0.95


def _key(kind: str, value: Any) -> Any:
    """A comparable form of one entity value (truth and prediction may differ in shape)."""
    if kind == "handles":
        return (str(value.get("platform", "")).lower(), str(value.get("handle", "")).lower().lstrip("@"))
    if kind == "locations":
        return str(value.get("name") if isinstance(value, dict) else value).lower()
    if kind == "prices":
        return (value.get("amount"), value.get("currency"), value.get("per"))
    if kind in ("names", "emails"):
        return str(value).lower()
    return value


class CorpusError(ValueError):
    """A corpus that cannot be read as labelled ads (one line for the user)."""


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    try:
        with path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    rows.append(json.loads(line))
                except ValueError as exc:
                    raise CorpusError(f"{path}:{number}: not valid JSON ({exc})") from None
    except OSError as exc:
        raise CorpusError(f"cannot read {path}: {exc.strerror}") from None
    return rows


def load_corpus(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(ads, truth)`` from a generator directory or a JSON Lines file with inline ``truth`` blocks."""
    if path.is_dir():
        return _read_jsonl(path / "ads.jsonl"), _read_jsonl(path / "truth.jsonl")
    ads, truth = [], []
    for number, row in enumerate(_read_jsonl(path), start=1):
        if not isinstance(row.get("truth"), dict) or not row.get("id"):
            raise CorpusError(f"{path}: ad {number} has no id or no truth block")
        label = row.pop("truth")
        ads.append(row)
        truth.append({"id": row["id"], **label})
    return ads, truth


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    n_ads: int = 0
    entities: dict[str, Score] = field(default_factory=dict)
    indicators: dict[str, Score] = field(default_factory=dict)
    language: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def language_accuracy(self) -> float:
        total = sum(self.language.values())
        return self.language["ok"] / total if total else 1.0


def evaluate(ads: Iterable[dict[str, Any]], truth: Iterable[dict[str, Any]], *, keep_errors: int = 0) -> Report:
    """Score analyzed ``ads`` against ``truth`` (matched by ``id``)."""
    by_id = {t["id"]: t for t in truth}
    ad_codes = [c for c in codes() if c not in ("MINOR_AGE_INCONSISTENT", "TRAF_SHARED_CONTACT", "TRAF_TEMPLATE_TEXT")]
    report = Report(entities={k: Score() for k in ENTITY_TYPES}, indicators={c: Score() for c in ad_codes})
    for ad in analyze(ads):
        t = by_id.get(ad["id"])
        if t is None:
            continue
        report.n_ads += 1
        if t.get("language"):
            report.language["ok" if t["language"] == ad["language"] else "wrong"] += 1
        diff: dict[str, Any] = {}
        for kind in ENTITY_TYPES:
            if kind not in t.get("entities", {}):
                continue
            want = {_key(kind, v) for v in t["entities"][kind]}
            got = {_key(kind, v) for v in ad["entities"].get(kind, [])}
            s = report.entities[kind]
            s.tp += len(want & got)
            s.fp += len(got - want)
            s.fn += len(want - got)
            if want != got:
                diff[kind] = {"missed": sorted(map(str, want - got)), "extra": sorted(map(str, got - want))}
        want_codes = set(t.get("indicator_codes", []))
        got_codes = {i["code"] for i in ad["indicators"]}
        for code in ad_codes:
            s = report.indicators[code]
            s.tp += code in want_codes and code in got_codes
            s.fp += code not in want_codes and code in got_codes
            s.fn += code in want_codes and code not in got_codes
        if want_codes - got_codes or (got_codes - want_codes) & set(ad_codes):
            diff["indicators"] = {
                "missed": sorted(want_codes - got_codes & set(ad_codes)),
                "extra": sorted(got_codes - want_codes),
            }
        if diff and len(report.errors) < keep_errors:
            report.errors.append(
                {
                    "id": ad["id"],
                    "title": ad.get("title"),
                    "body": ad.get("body"),
                    **diff,
                    "indicators_found": [(i["code"], i["text"]) for i in ad["indicators"]],
                }
            )
    return report


def format_report(report: Report) -> str:
    """The report as a plain-text table."""
    lines = [
        f"{report.n_ads} ads; language accuracy {report.language_accuracy:.3f}",
        "",
        f"{'entity':<26}{'P':>7}{'R':>7}{'F1':>7}{'TP':>7}{'FP':>6}{'FN':>6}  target",
    ]
    for kind, s in report.entities.items():
        target = TARGETS.get(kind)
        mark = "" if target is None else (f">={target}" + (" ok" if s.f1 >= target else " MISSED"))
        lines.append(f"{kind:<26}{s.precision:7.3f}{s.recall:7.3f}{s.f1:7.3f}{s.tp:7d}{s.fp:6d}{s.fn:6d}  {mark}")
    lines += ["", f"{'indicator':<26}{'P':>7}{'R':>7}{'F1':>7}{'TP':>7}{'FP':>6}{'FN':>6}  target"]
    for code, s in report.indicators.items():
        mark = f">={INDICATOR_TARGET}" + (" ok" if s.f1 >= INDICATOR_TARGET else " MISSED")
        lines.append(f"{code:<26}{s.precision:7.3f}{s.recall:7.3f}{s.f1:7.3f}{s.tp:7d}{s.fp:6d}{s.fn:6d}  {mark}")
    return "\n".join(lines)
