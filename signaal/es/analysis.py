"""Which Dutch and English text analysis a cluster can run, and the index settings for it.

The ads mapping gives ``title`` and ``body`` the sub-fields ``.nl`` and ``.en``
with the analysers ``signaal_nl`` and ``signaal_en``. What those analysers are
depends on the cluster: es_mappings/analysis/ holds one file per *variant*
(``hunspell``: the server core's hunspell filter with dictionaries installed on
every node; ``builtin``: the ``dutch``/``english`` analysers of a full
distribution; ``plain``: stop words only). ``signaal es init`` asks the cluster
which variants it can run and uses the most preferred one, so the same mapping
works on the provisioned integ-test node and on a full cluster.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from elasticsearch import ApiError, Elasticsearch

from signaal.es.errors import EsSetupError
from signaal.paths import ES_MAPPINGS_DIR

ANALYSIS_DIR = ES_MAPPINGS_DIR / "analysis"


@dataclass(frozen=True)
class AnalysisVariant:
    """One file of es_mappings/analysis/: what it needs from the cluster and the settings it adds."""

    name: str
    description: str
    preference: int
    hunspell_locales: tuple[str, ...]
    analyzers: tuple[str, ...]
    analysis: dict[str, Any]


@lru_cache(maxsize=1)
def load_variants() -> tuple[AnalysisVariant, ...]:
    """All variants, most preferred first."""
    variants = []
    for path in sorted(ANALYSIS_DIR.glob("*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            requires = raw["requires"]
            variants.append(
                AnalysisVariant(
                    name=path.stem,
                    description=raw["description"],
                    preference=int(raw["preference"]),
                    hunspell_locales=tuple(requires.get("hunspell_locales", ())),
                    analyzers=tuple(requires.get("analyzers", ())),
                    analysis=raw["analysis"],
                )
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise EsSetupError(f"{path}: not a text-analysis variant ({exc})") from None
    return tuple(sorted(variants, key=lambda variant: variant.preference))


def get_variant(name: str) -> AnalysisVariant:
    for variant in load_variants():
        if variant.name == name:
            return variant
    raise EsSetupError(f"unknown text analysis {name!r}; known: {', '.join(v.name for v in load_variants())}")


def _runs(es: Elasticsearch, **request: Any) -> bool:
    """True when the cluster can run this ``_analyze`` request (a missing analyser or dictionary is a 400)."""
    try:
        es.indices.analyze(text="meisjes", **request)
    except ApiError as exc:
        if exc.meta.status == 400:
            return False
        raise
    return True


def supported(es: Elasticsearch, variant: AnalysisVariant) -> bool:
    """Does the cluster have every dictionary and analyser this variant needs?"""
    return all(
        _runs(es, tokenizer="standard", filter=[{"type": "hunspell", "locale": locale}])
        for locale in variant.hunspell_locales
    ) and all(_runs(es, analyzer=analyzer) for analyzer in variant.analyzers)


def detect_variant(es: Elasticsearch) -> AnalysisVariant:
    """The most preferred variant the cluster supports (the last one needs nothing beyond the core)."""
    variants = load_variants()
    for variant in variants[:-1]:
        if supported(es, variant):
            return variant
    return variants[-1]
