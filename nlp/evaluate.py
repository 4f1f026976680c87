"""Precision, recall and F1 of ``analyze`` against labelled ads.

A corpus is either the fixture generator's output (``ads.jsonl`` + ``truth.jsonl``) or one
JSON Lines file whose ads carry their labels in a ``truth`` block (the blind corpora under
``tests/nlp/corpora/``). The generator's phrase banks and the lexicons were written by the same
team, and for a while the lexicons held many bank phrases verbatim (issue 14), so a generator
figure shows that the rules agree with their authors; only corpora written blind (docs/nlp.md)
show how the NLP generalises.

Besides P/R/F1 per entity type and code, the report counts *negation firings* (a code found in
an ad whose truth lists it under ``negated`` and not under ``indicator_codes``) and scores the
minor and trafficking codes per gender of the advertised person, so a gap for ads about boys or
trans persons shows up as a number (issue 18).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from nlp.analyzer import analyze
from nlp.gazetteer import load_gazetteer
from nlp.lexicon import codes
from signaal.text import fold

ENTITY_TYPES = ("phones", "emails", "handles", "ages", "locations", "prices", "names", "genders")
TARGETS = {"phones": 0.99, "emails": 0.97, "handles": 0.97, "ages": 0.97, "locations": 0.97}
#: entities.genders per value (issue 18): the gender of the advertised person as the ad presents it.
GENDER_VALUES = ("female", "male", "trans")
GENDER_TARGET = 0.90
INDICATOR_TARGET = 0.90
#: Codes decided across ads by linking, not by ``analyze``.
LINK_LEVEL = frozenset({"MINOR_AGE_INCONSISTENT", "TRAF_SHARED_CONTACT", "TRAF_TEMPLATE_TEXT"})
#: Gender group of an ad whose truth names none.
NO_GENDER = "unknown"


def _location_key(value: Any) -> str:
    """A location as its municipality: "Den Haag" and "'s-Gravenhage" are one place.

    Writers label the name people use; the NLP reports the CBS name. Both go through the
    gazetteer's forms, so the comparison is about the place, not the spelling.
    """
    name = str(value.get("name") if isinstance(value, dict) else value)
    place = _municipality_of().get(fold(name).strip())
    return place if place is not None else fold(name).strip()


@cache
def _municipality_of() -> dict[str, str]:
    return {fold(form).strip(): fold(place.name) for form, place in load_gazetteer().forms.items()}


def _key(kind: str, value: Any) -> Any:
    """A comparable form of one entity value (truth and prediction may differ in shape)."""
    if kind == "handles":
        return (str(value.get("platform", "")).lower(), str(value.get("handle", "")).lower().lstrip("@"))
    if kind == "locations":
        return _location_key(value)
    if kind == "prices":
        return (value.get("amount"), value.get("currency"), value.get("per"))
    if kind in ("names", "emails", "genders"):
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
class GenderScores:
    """Detection quality for the ads about one gender (as the truth gives it)."""

    n_ads: int = 0
    minor: Score = field(default_factory=Score)
    trafficking: Score = field(default_factory=Score)
    negation_firings: int = 0


@dataclass
class Report:
    n_ads: int = 0
    entities: dict[str, Score] = field(default_factory=dict)
    indicators: dict[str, Score] = field(default_factory=dict)
    language: Counter[str] = field(default_factory=Counter)
    #: code -> (negated phrases in the truth, of which the code fired on the ad)
    negations: dict[str, list[int]] = field(default_factory=dict)
    genders: dict[str, GenderScores] = field(default_factory=dict)
    #: entities.genders scored per value ("female", "male", "trans"); an ad labelled "unknown" should get none
    gender_values: dict[str, Score] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def language_accuracy(self) -> float:
        total = sum(self.language.values())
        return self.language["ok"] / total if total else 1.0

    @property
    def negation_firings(self) -> int:
        return sum(fired for _, fired in self.negations.values())


def _score_codes(score: Score, want: set[str], got: set[str], codes: Iterable[str]) -> None:
    for code in codes:
        score.tp += code in want and code in got
        score.fp += code not in want and code in got
        score.fn += code in want and code not in got


def evaluate(ads: Iterable[dict[str, Any]], truth: Iterable[dict[str, Any]], *, keep_errors: int = 0) -> Report:
    """Score analyzed ``ads`` against ``truth`` (matched by ``id``)."""
    by_id = {t["id"]: t for t in truth}
    meta = codes()
    ad_codes = [c for c in meta if c not in LINK_LEVEL]
    by_category = {cat: [c for c in ad_codes if meta[c]["category"] == cat] for cat in ("minor", "trafficking")}
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
            if kind == "genders":
                want.discard(NO_GENDER)  # the writers' "unknown" is an empty list in the contract
                for value in GENDER_VALUES:
                    _score_codes(report.gender_values.setdefault(value, Score()), want, got, [value])
            s = report.entities[kind]
            s.tp += len(want & got)
            s.fp += len(got - want)
            s.fn += len(want - got)
            if want != got:
                diff[kind] = {"missed": sorted(map(str, want - got)), "extra": sorted(map(str, got - want))}
        want_codes = set(t.get("indicator_codes", []))
        got_codes = {i["code"] for i in ad["indicators"]}
        for code in ad_codes:
            _score_codes(report.indicators[code], want_codes, got_codes, [code])
        fired = []
        for negated in t.get("negated", []):
            code = negated.get("code")
            counts = report.negations.setdefault(code, [0, 0])
            counts[0] += 1
            if code in got_codes and code not in want_codes:
                counts[1] += 1
                fired.append(code)
        labelled = t.get("entities", {}).get("genders")
        for gender in set(map(str.lower, labelled or [NO_GENDER])) if labelled is not None else ():
            group = report.genders.setdefault(gender, GenderScores())
            group.n_ads += 1
            group.negation_firings += len(fired)
            _score_codes(group.minor, want_codes, got_codes, by_category["minor"])
            _score_codes(group.trafficking, want_codes, got_codes, by_category["trafficking"])
        if want_codes - got_codes or (got_codes - want_codes) & set(ad_codes):
            diff["indicators"] = {
                "missed": sorted(want_codes - got_codes & set(ad_codes)),
                "extra": sorted(got_codes - want_codes),
            }
        if fired:
            diff["negation_fired"] = sorted(set(fired))
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


def _row(name: str, s: Score, mark: str = "") -> str:
    return f"{name:<26}{s.precision:7.3f}{s.recall:7.3f}{s.f1:7.3f}{s.tp:7d}{s.fp:6d}{s.fn:6d}  {mark}".rstrip()


def format_report(report: Report) -> str:
    """The report as a plain-text table."""
    header = f"{'P':>7}{'R':>7}{'F1':>7}{'TP':>7}{'FP':>6}{'FN':>6}  target"
    lines = [f"{report.n_ads} ads; language accuracy {report.language_accuracy:.3f}", "", f"{'entity':<26}{header}"]
    for kind, s in report.entities.items():
        if not s.tp + s.fp + s.fn:
            continue  # a type the corpus does not label (the generator has no genders)
        target = TARGETS.get(kind)
        mark = "" if target is None else (f">={target}" + (" ok" if s.f1 >= target else " MISSED"))
        lines.append(_row(kind, s, mark))
        if kind == "genders":
            for value, g in report.gender_values.items():
                mark = f">={GENDER_TARGET}" + (" ok" if g.f1 >= GENDER_TARGET else " MISSED")
                lines.append(_row(f"  {value}", g, mark))
    lines += ["", f"{'indicator':<26}{header}"]
    for code, s in report.indicators.items():
        mark = f">={INDICATOR_TARGET}" + (" ok" if s.f1 >= INDICATOR_TARGET else " MISSED")
        lines.append(_row(code, s, mark))
    if report.negations:
        lines += [
            "",
            f"negated phrases: {sum(n for n, _ in report.negations.values())}, "
            f"fired: {report.negation_firings} (target 0)",
        ]
        lines += [
            f"  {code:<24}{n:5d} negated{fired:5d} fired" for code, (n, fired) in sorted(report.negations.items())
        ]
    if report.genders:
        lines += [
            "",
            f"{'gender':<10}{'ads':>6}{'minor F1':>10}{'(TP/FP/FN)':>14}{'traf F1':>10}{'(TP/FP/FN)':>14}"
            f"{'negation fired':>16}",
        ]
        for gender, g in sorted(report.genders.items(), key=lambda kv: -kv[1].n_ads):
            m, tr = g.minor, g.trafficking
            lines.append(
                f"{gender:<10}{g.n_ads:6d}{m.f1:10.3f}{f'{m.tp}/{m.fp}/{m.fn}':>14}"
                f"{tr.f1:10.3f}{f'{tr.tp}/{tr.fp}/{tr.fn}':>14}{g.negation_firings:16d}"
            )
    return "\n".join(lines)
