"""Dutch and English full-text search through the real server (Hunspell dictionaries on the node).

What the Hunspell analysis gives, pinned so a change of dictionary or chain shows up here
(docs/elasticsearch.md, "Text analysis"): plurals and diminutives fold to their stem,
compounds the dictionary lists keep their inflections but are not split, diacritics
survive lower-casing and stemming, and each ad is matched by the stems of its own
language plus its exact words.
"""

from __future__ import annotations

import uuid

import pytest

from signaal.es.analysis import detect_variant, load_variants
from signaal.es.mappings import apply_mappings, delete_prefix
from signaal.es.text_query import full_text_clause

pytestmark = pytest.mark.es

ADS = [
    {"id": "t:nl1", "language": "nl", "title": "Meisje uit Zwolle", "body": "Lief meisje, afspraak in Zwolle."},
    {"id": "t:nl2", "language": "nl", "title": "Nieuwe meiden", "body": "Twee vriendinnetjes, nieuw in de stad."},
    {"id": "t:nl3", "language": "nl", "title": "Hotelkamers", "body": "Alleen in hotelkamers, bel eerst."},
    {"id": "t:nl4", "language": "nl", "title": "Ideeën", "body": "Om één uur in een café, studenten welkom."},
    {"id": "t:nl5", "language": "nl", "title": "Kinderen", "body": "Geen kinderen aanwezig."},
    {"id": "t:en1", "language": "en", "title": "Two girls visiting", "body": "Arrived this week, studying in Delft."},
    {"id": "t:en2", "language": "en", "title": "Meisjes", "body": "Visiting Breda, new in town."},
    {"id": "t:xx1", "title": "Meisje", "body": "No language detected for this one."},
]


@pytest.fixture(scope="module")
def hunspell_ads(es, index_prefix):
    mapping = es.indices.get_mapping(index=f"{index_prefix}-ads").body.popitem()[1]["mappings"]
    if mapping["_meta"].get("text_analysis") != "hunspell":
        pytest.skip("this cluster has no Hunspell dictionaries (a node from `signaal es up` has them)")
    for ad in ADS:
        es.index(index=f"{index_prefix}-ads", id=ad["id"], document=ad)
    es.indices.refresh(index=f"{index_prefix}-ads")
    return f"{index_prefix}-ads"


def found(es, index: str, query: str) -> set[str]:
    hits = es.search(index=index, query=full_text_clause(query), size=50, source=False)["hits"]["hits"]
    return {hit["_id"] for hit in hits}


def test_the_ads_index_records_the_best_variant_the_cluster_offers(es, index_prefix):
    assert [v.name for v in load_variants()] == ["hunspell", "builtin", "plain"]
    mapping = es.indices.get_mapping(index=f"{index_prefix}-ads").body.popitem()[1]["mappings"]
    assert mapping["_meta"]["text_analysis"] == detect_variant(es).name  # "hunspell" on the session's node


def test_singular_and_plural_find_each_other(es, hunspell_ads):
    # OpenTaal lists "meisjes" as a root of its own: our supplement adds the stem "meisje".
    assert found(es, hunspell_ads, "meisjes") == {"t:nl1", "t:en2"}  # en2: the exact word
    assert found(es, hunspell_ads, "meisje") >= {"t:nl1", "t:xx1"}  # exact word in the ad without language
    assert found(es, hunspell_ads, "kind") == {"t:nl5"}  # kinderen -> kind (supplement)
    assert found(es, hunspell_ads, "student") == {"t:nl4"}
    assert found(es, hunspell_ads, "girl") == {"t:en1"}
    assert found(es, hunspell_ads, "arriving study") == {"t:en1"}


def test_diminutives_fold_to_their_noun(es, hunspell_ads):
    assert found(es, hunspell_ads, "meidje") == {"t:nl2"}  # meidje -> meid <- meiden
    assert found(es, hunspell_ads, "vriendin") == {"t:nl2"}  # vriendinnetjes -> vriendin


def test_listed_compounds_inflect_but_are_not_split(es, hunspell_ads):
    assert found(es, hunspell_ads, "hotelkamer") == {"t:nl3"}
    assert found(es, hunspell_ads, "kamer") == set()  # no decompounding in the server core


def test_diacritics_survive_lower_casing_and_stemming(es, hunspell_ads):
    assert found(es, hunspell_ads, "idee") == {"t:nl4"}  # Ideeën -> idee
    assert found(es, hunspell_ads, "ÉÉN") == {"t:nl4"}
    assert found(es, hunspell_ads, "cafés") == {"t:nl4"}
    assert found(es, hunspell_ads, "cafe") == set()  # no accent folding without analysis-common


def test_each_ad_is_stemmed_in_its_own_language_only(es, hunspell_ads):
    # The English ad has the Dutch word "Meisjes" in its title: English stems never turn it into "meisje".
    assert "t:en2" not in found(es, hunspell_ads, "meisje")
    assert "t:en2" in found(es, hunspell_ads, "meisjes")  # the exact word still matches


def test_phrases_and_stop_words(es, hunspell_ads):
    assert found(es, hunspell_ads, '"afspraak in Zwolle"') == {"t:nl1"}
    assert found(es, hunspell_ads, '"nieuw in de stad"') == {"t:nl2"}
    assert found(es, hunspell_ads, "afspraken") == {"t:nl1"}  # afspraken -> afspraak


def test_an_index_keeps_its_analysers_and_init_says_when_a_better_variant_is_offered(es):
    prefix = f"t_variant_{uuid.uuid4().hex[:8]}"
    try:
        created = apply_mappings(es, prefix, kinds=["ads"], text_analysis="plain")
        assert created["ads"].startswith("created")
        again = apply_mappings(es, prefix, kinds=["ads"])
        if detect_variant(es).name == "plain":
            assert again["ads"] == f"{prefix}-ads up to date"
        else:
            assert again["ads"].endswith(
                f"analyses text with plain, the cluster offers {detect_variant(es).name}: run `signaal es reindex ads`"
            )
        mapping = es.indices.get_mapping(index=f"{prefix}-ads").body.popitem()[1]["mappings"]
        assert mapping["_meta"]["text_analysis"] == "plain"  # the additive update kept what the index has
    finally:
        delete_prefix(es, prefix)
