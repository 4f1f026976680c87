"""The full-text clause for ads: exact words in every ad, stemmed words in the ad's own language.

``title`` and ``body`` are indexed three ways (es_mappings/ads.json): the field itself
(lower-cased words, for exact words and phrases) and the sub-fields ``.nl`` and
``.en`` (stop words dropped, words reduced to their stems by the cluster's text
analysis, see :mod:`signaal.es.analysis`). An ad matches when the query matches its
exact words, or its stemmed words in the language the NLP stage detected for it:
a Dutch ad is never matched through English stems and the other way round, while
ads in other languages (or without one) still match on their exact words. The query
text is a value inside a ``simple_query_string`` dict, never concatenated into DSL.
"""

from __future__ import annotations

from typing import Any

EXACT_FIELDS = ("title^2", "body")
# language code -> its analysed sub-fields (the ``fields`` of title and body in es_mappings/ads.json)
LANGUAGE_FIELDS = {"nl": ("title.nl^2", "body.nl"), "en": ("title.en^2", "body.en")}


def _simple_query(query: str, fields: tuple[str, ...], flags: str, default_operator: str) -> dict[str, Any]:
    return {
        "simple_query_string": {
            "query": query,
            "fields": list(fields),
            "flags": flags,
            "default_operator": default_operator,
            "lenient": True,
        }
    }


def full_text_clause(query: str, *, flags: str = "ALL", default_operator: str = "and") -> dict[str, Any]:
    """A ``bool`` clause: exact fields for every ad, or the stemmed fields of the ad's language."""
    by_language = [
        {
            "bool": {
                "filter": [{"term": {"language": language}}],
                "must": [_simple_query(query, fields, flags, default_operator)],
            }
        }
        for language, fields in LANGUAGE_FIELDS.items()
    ]
    return {
        "bool": {
            "should": [_simple_query(query, EXACT_FIELDS, flags, default_operator), *by_language],
            "minimum_should_match": 1,
        }
    }
