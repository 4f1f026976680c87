"""Learn from analysts' decisions: new phrasings the rules miss, and rules analysts keep rejecting.

Input is every decided ad (latest decision per ad, joined with the ad, see
:func:`models.data_io.decided_ads`); what a decision says per target comes from
:func:`models.data_io.outcomes`. Two lists come out, each row with counts,
precision among decided ads, lift over the base rate and example ads:

- **new phrasings**: word n-grams that occur outside every indicator hit (no rule
  covers them) and are over-represented among leads, among minor or trafficking
  positives, or among one code's *confirmed* ads (ads carrying the code whose
  decision says yes for the code's target). Each row suggests the code to add the
  phrasing to: the code whose confirmed ads hold most of the phrasing's leads.
- **weak rules**: indicator phrasings (code + matched text) whose ads analysts keep
  deciding "no" for the code's target, and per code the weight the evidence
  supports (:func:`models.indicator_report.indicator_report`).

ML staff accept a row as a proposal (:mod:`models.proposals`); nothing here changes a rule.
Settings: ``models/data/suggestions.yaml``.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from models.config import DATA_DIR, TARGETS, IndicatorRule, rules_config
from models.data_io import decided_ads, outcomes
from models.features import default_settings as feature_settings
from models.indicator_report import indicator_report, wilson
from models.record import entities, indicator_codes
from models.split import contact_groups
from nlp import accepted, lexicon
from signaal.text import fold

WORD = re.compile(r"\w+(?:['’]\w+)*")
FIELDS = ("title", "body")
GROUPS = ("any", *TARGETS)  # "any" = lead or not


@lru_cache(maxsize=1)
def _settings() -> dict[str, Any]:
    with (DATA_DIR / "suggestions.yaml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def default_settings() -> dict[str, Any]:
    """A fresh copy of ``suggestions.yaml`` (callers may change it)."""
    return copy.deepcopy(_settings())


@dataclass
class DecidedAd:
    """One decided ad, prepared once for every statistic."""

    id: str
    title: str
    body: str
    outcome: dict[str, int | None]
    codes: set[str]
    group: int
    hits: dict[str, list[tuple[int, int]]]  # field -> indicator spans (what the rules already cover)
    masked: dict[str, list[tuple[int, int]]]  # field -> contact/URL spans (never part of a phrasing)
    own_words: frozenset[str]  # folded names and places of this ad (advertiser-specific, never a phrasing)
    indicators: list[dict[str, Any]] = field(default_factory=list)

    def text(self, name: str) -> str:
        return self.title if name == "title" else self.body


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def _own_words(record: dict[str, Any]) -> frozenset[str]:
    ents = entities(record)
    words: set[str] = set()
    for value in [*(ents.get("names") or ()), *(ents.get("locations") or ())]:
        name = value.get("name") if isinstance(value, dict) else value
        words |= {fold(w) for w in WORD.findall(str(name or ""))}
    return frozenset(words)


def prepare(pairs: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> list[DecidedAd]:
    """(ad record, latest decision) pairs -> :class:`DecidedAd`, with advertiser groups over all of them."""
    records = [record for record, _ in pairs]
    groups = contact_groups(records)
    masks = [re.compile(m["pattern"]) for m in feature_settings()["mask_patterns"]]
    out = []
    for (record, decision), group in zip(pairs, groups.tolist(), strict=True):
        texts = {name: str(record.get(name) or "") for name in FIELDS}
        hits: dict[str, list[tuple[int, int]]] = {name: [] for name in FIELDS}
        indicators = [i for i in record.get("indicators") or () if isinstance(i, dict)]
        for ind in indicators:
            if ind.get("field") in hits and isinstance(ind.get("start"), int) and isinstance(ind.get("end"), int):
                hits[ind["field"]].append((ind["start"], ind["end"]))
        masked = {name: [m.span() for mask in masks for m in mask.finditer(text)] for name, text in texts.items()}
        out.append(
            DecidedAd(
                id=str(record["id"]),
                title=texts["title"],
                body=texts["body"],
                outcome=outcomes(decision),
                codes=indicator_codes(record),
                group=group,
                hits=hits,
                masked=masked,
                own_words=_own_words(record),
                indicators=indicators,
            )
        )
    return out


def _ngrams(ad: DecidedAd, min_n: int, max_n: int, stopwords: frozenset[str]) -> dict[str, tuple[str, int, int]]:
    """Uncovered n-grams of one ad -> (field, start, end) of their first occurrence.

    A word is usable when no indicator hit or contact overlaps it and it is not the ad's own
    name or place; an n-gram is a run of usable words with only spaces between them (a
    lexicon term matches tokens in a row, so "jaar. Afspraken" is no phrasing), not only
    stopwords and numbers.
    """
    found: dict[str, tuple[str, int, int]] = {}
    for name in FIELDS:
        text = ad.text(name)
        blocked = ad.hits[name] + ad.masked[name]
        words: list[tuple[str, int, int, bool, bool]] = []  # folded, start, end, usable, joined to the previous
        for m in WORD.finditer(text):
            word = fold(m.group())
            usable = word not in ad.own_words and not _overlaps(blocked, m.start(), m.end())
            joined = bool(words) and not text[words[-1][2] : m.start()].strip()
            words.append((word, m.start(), m.end(), usable, joined))
        for i, first in enumerate(words):
            if not first[3]:
                continue
            for n in range(1, max_n + 1):
                if i + n > len(words):
                    break
                last = words[i + n - 1]
                if n > 1 and not (last[3] and last[4]):
                    break  # a blocked word or a break ends every longer n-gram too
                window = [w[0] for w in words[i : i + n]]
                if n >= min_n and not all(w in stopwords or w.isdigit() for w in window):
                    found.setdefault(" ".join(window), (name, first[1], last[2]))
    return found


def _example(ad: DecidedAd, where: tuple[str, int, int], context: int) -> dict[str, str]:
    """An example ad as plain text pieces (the UI escapes each and marks ``match``)."""
    name, start, end = where
    text = ad.text(name)
    lo, hi = max(0, start - context), min(len(text), end + context)
    return {
        "id": ad.id,
        "title": ad.title,
        "before": ("…" if lo else "") + text[lo:start],
        "match": text[start:end],
        "after": text[end:hi] + ("…" if hi < len(text) else ""),
    }


def _stats(positives: int, n: int, base: float) -> dict[str, float]:
    precision = positives / n if n else 0.0
    low, high = wilson(positives, n)
    return {
        "precision": round(precision, 4),
        "ci_low": round(low, 4),
        "ci_high": round(high, 4),
        "lift": round(precision / base, 3) if base else 0.0,
        "base_rate": round(base, 4),
    }


def _evidence_groups(ads: Sequence[DecidedAd]) -> dict[str, tuple[list[int], list[int]]]:
    """name -> (indices of ads with a known outcome, indices of positives): per target and per code."""
    groups: dict[str, tuple[list[int], list[int]]] = {}
    for target in GROUPS:
        known = [i for i, ad in enumerate(ads) if ad.outcome[target] is not None]
        groups[target] = (known, [i for i in known if ads[i].outcome[target] == 1])
    rules = _rules()
    for code in sorted({c for ad in ads for c in ad.codes}):
        target = rules[code].target if code in rules else None
        if target is None:
            continue
        known, positives = groups[target][0], [i for i in groups[target][1] if code in ads[i].codes]
        groups[f"code:{code}"] = (known, positives)
    return groups


def _suggested_code(lead_ads: list[int], ads: Sequence[DecidedAd], group: str) -> tuple[str | None, int]:
    """The code whose confirmed ads hold most of this phrasing's positive ads (and how many)."""
    if group.startswith("code:"):
        return group[5:], len(lead_ads)
    rules = _rules()
    counts: dict[str, int] = defaultdict(int)
    for i in lead_ads:
        for code in ads[i].codes:
            target = rules[code].target if code in rules else None
            if target and ads[i].outcome[target] == 1 and (group == "any" or target == group):
                counts[code] += 1
    if not counts:
        return None, 0
    code = max(sorted(counts), key=lambda c: counts[c])
    return code, counts[code]


def new_phrasings(ads: Sequence[DecidedAd], settings: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Phrasings no rule covers that analysts' positives over-represent; one row per phrasing, strongest first."""
    cfg = settings or default_settings()
    stopwords = frozenset(fold(str(w)) for words in cfg["stopwords"].values() for w in words)
    taken = {fold(e["term"]) for e in accepted.effective() if e.get("action") == "add_term" and e.get("term")}
    found: dict[str, dict[int, tuple[str, int, int]]] = defaultdict(dict)
    for i, ad in enumerate(ads):
        for gram, where in _ngrams(ad, cfg["ngram"]["min_n"], cfg["ngram"]["max_n"], stopwords).items():
            found[gram][i] = where
    occurrences = {g: w for g, w in found.items() if len(w) >= cfg["min_leads"] and g not in taken}
    best: dict[str, dict[str, Any]] = {}
    for group, (known, positives) in _evidence_groups(ads).items():
        if len(positives) < cfg["min_leads"] or not known:
            continue
        known_set, positive_set = set(known), set(positives)
        base = len(positives) / len(known)
        for gram, where in occurrences.items():
            leads = [i for i in where if i in positive_set]
            if len(leads) < cfg["min_leads"]:
                continue
            if len({ads[i].group for i in leads}) < cfg["min_groups"]:
                continue
            n = sum(1 for i in where if i in known_set)
            stats = _stats(len(leads), n, base)
            if stats["lift"] < cfg["min_lift"] or stats["ci_low"] <= base:
                continue
            if gram in best and best[gram]["ci_low"] >= stats["ci_low"]:
                continue
            code, shared = _suggested_code(leads, ads, group)
            examples = sorted(leads)[: cfg["examples"]]
            best[gram] = {
                "phrasing": gram,
                "evidence": group,
                "ads": n,
                "positives": len(leads),
                "advertisers": len({ads[i].group for i in leads}),
                **stats,
                "suggested_code": code,
                "code_shared": shared,
                "examples": [_example(ads[i], where[i], cfg["context_chars"]) for i in examples],
            }
    return _closed(sorted(best.values(), key=lambda r: (-r["ci_low"], -r["positives"], r["phrasing"])))[
        : cfg["max_rows"]
    ]


def _closed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop a phrasing when a longer one around it has the same counts: the longer says more, as precisely."""
    covered = set()
    for row in rows:
        words = row["phrasing"].split()
        for i in range(len(words)):
            for j in range(i + 1, len(words) + 1):
                if j - i < len(words):
                    covered.add((" ".join(words[i:j]), row["ads"], row["positives"], row["evidence"]))
    return [r for r in rows if (r["phrasing"], r["ads"], r["positives"], r["evidence"]) not in covered]


def _rules() -> dict[str, IndicatorRule]:
    """The rules baseline's codes with the weights in force (accepted weight proposals applied)."""
    return rules_config().with_weights(accepted.weights()).indicators


def rule_phrasings(ads: Sequence[DecidedAd], settings: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Each indicator phrasing (code + folded matched text) in decided ads and its precision for the code's target."""
    cfg = settings or default_settings()
    rules = _rules()
    seen: dict[tuple[str, str], dict[int, dict[str, Any]]] = defaultdict(dict)
    for i, ad in enumerate(ads):
        for ind in ad.indicators:
            code, text = ind.get("code"), str(ind.get("text") or "")
            if code in rules and text.strip():
                seen[(code, " ".join(fold(text).split()))].setdefault(i, ind)
    base_of = {t: _base(ads, t) for t in TARGETS}
    excludable = set(lexicon.load("indicators", ["nl", "en"]).get("codes", {}))
    rows = []
    for (code, phrasing), where in seen.items():
        target = rules[code].target
        known = [i for i in where if ads[i].outcome[target] is not None]
        if not known or not base_of[target]:
            continue
        positives = sum(1 for i in known if ads[i].outcome[target] == 1)
        examples = [i for i in sorted(known) if ads[i].outcome[target] == 0][: cfg["examples"]]
        rows.append(
            {
                "code": code,
                "target": target,
                "phrasing": phrasing,
                "ads": len(known),
                "positives": positives,
                "negatives": len(known) - positives,
                **_stats(positives, len(known), base_of[target]),
                "weight": rules[code].weight,
                "excludable": code in excludable,
                "examples": [_example(ads[i], _where(where[i]), cfg["context_chars"]) for i in examples],
            }
        )
    return rows


def weak_rules(ads: Sequence[DecidedAd], settings: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Indicator phrasings whose ads analysts keep deciding "no" for the code's target, weakest first."""
    cfg = settings or default_settings()
    weak = cfg["weak_rules"]
    excluded = {
        (e["code"], " ".join(fold(e["term"]).split()))
        for e in accepted.effective()
        if e.get("action") == "exclude" and e.get("term")
    }
    rows = [
        r
        for r in rule_phrasings(ads, cfg)
        if r["ads"] >= weak["min_ads"] and r["lift"] <= weak["max_lift"] and (r["code"], r["phrasing"]) not in excluded
    ]
    rows.sort(key=lambda r: (r["ci_high"], -r["ads"], r["code"], r["phrasing"]))
    return rows[: weak["max_rows"]]


def _where(ind: dict[str, Any]) -> tuple[str, int, int]:
    return (str(ind["field"]), int(ind["start"]), int(ind["end"]))


def _base(ads: Sequence[DecidedAd], target: str) -> float:
    known = [ad.outcome[target] for ad in ads if ad.outcome[target] is not None]
    return sum(known) / len(known) if known else 0.0  # type: ignore[arg-type]


def code_weights(ads: Sequence[DecidedAd]) -> list[dict[str, Any]]:
    """Per code, its rules weight in force next to the weight the decisions support (for its own target)."""
    rules = _rules()
    rows = []
    for target in TARGETS:
        records = [
            {"indicators": [{"code": c} for c in ad.codes], "labels": {target: ad.outcome[target]}} for ad in ads
        ]
        rows += [
            r | {"target": target, "rules_weight": rules[r["code"]].weight}
            for r in indicator_report(records, target)
            if r["code"] in rules and rules[r["code"]].target == target
        ]
    return rows


def _contains(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


def phrase_evidence(ads: Sequence[DecidedAd], phrasing: str) -> dict[str, Any]:
    """Ads, leads, precision and lift of one phrasing among decided ads: a proposal's recorded evidence."""
    phrase = [fold(w) for w in WORD.findall(phrasing)]
    known = [ad for ad in ads if ad.outcome["any"] is not None]
    with_it = [
        ad for ad in known if any(_contains([fold(w) for w in WORD.findall(ad.text(f))], phrase) for f in FIELDS)
    ]
    leads = sum(1 for ad in with_it if ad.outcome["any"] == 1)
    return {"ads": len(with_it), "leads": leads, **_stats(leads, len(with_it), _base(ads, "any"))}


def evidence_for(ads: Sequence[DecidedAd], action: str, code: str, term: str = "") -> dict[str, Any]:
    """What a proposal records as its evidence: the phrasing's counts, the weak rule's or the code's row."""
    if action == "add_term":
        return phrase_evidence(ads, term)
    if action == "exclude":
        phrasing = " ".join(fold(term).split())
        rows = [r for r in rule_phrasings(ads) if r["code"] == code and r["phrasing"] == phrasing]
    else:
        rows = [r for r in code_weights(ads) if r["code"] == code]
    keys = ("ads", "positives", "leads", "negatives", "precision", "lift", "base_rate", "suggested_weight")
    return {k: rows[0][k] for k in keys if rows and k in rows[0]}


def load_decided(es: Any, prefix: str, settings: dict[str, Any] | None = None) -> list[DecidedAd]:
    """The newest ``max_ads`` decided ads of the index, prepared for mining."""
    cfg = settings or default_settings()
    pairs = decided_ads(es, prefix)
    pairs.sort(key=lambda p: str(p[1].get("decided_at") or ""), reverse=True)
    return prepare(pairs[: cfg["max_ads"]])


def suggestions(es: Any, prefix: str, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything the ML page and ``signaal suggestions`` show, from the decisions in ``<prefix>-decisions``."""
    cfg = settings or default_settings()
    ads = load_decided(es, prefix, cfg)
    return {
        "decided": len(ads),
        "leads": sum(1 for ad in ads if ad.outcome["any"] == 1),
        "phrasings": new_phrasings(ads, cfg),
        "weak_rules": weak_rules(ads, cfg),
        "weights": code_weights(ads),
    }
