"""Linking measured on what the NLP extracts (issue 14, item 6), not on the generator's true entities.

Clusters and link-level codes are computed the way ``signaal link`` computes them (pure
functions, no Elasticsearch; ``test_linking_es.py`` checks that the stored result is the same),
once from the entities ``nlp.analyze`` finds in the ads' text and once from the true entities,
on the fixture generator and on the blind corpus blind-1. The bounds are what these runs
reach, with a small margin; docs/linking.md has the measured figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import nlp
from devtools.fixture_sites.generator import generate
from devtools.fixture_sites.truth_ads import truth_ads
from nlp.evaluate import load_corpus
from tests.linking.helpers import link_in_memory, pairwise_precision_recall

pytestmark = pytest.mark.slow

SEED, N_ADS = 11, 300
BLIND_1 = Path(__file__).resolve().parents[1] / "nlp" / "corpora" / "blind-1.jsonl"
CONTACTS = ("phone", "email", "handle")


def _with_nlp_entities(ads: list[dict]) -> list[dict]:
    """The ads with ``entities`` (and indicators) replaced by what ``nlp.analyze`` finds in their text."""
    bare = [{k: v for k, v in ad.items() if k not in ("entities", "indicators")} for ad in ads]
    return list(nlp.analyze(bare))


@pytest.fixture(scope="module")
def generator_ads():
    ads, advertiser = truth_ads(SEED, N_ADS, 1, render_photos=False)
    return ads, _with_nlp_entities(ads), advertiser


def test_generator_advertisers_recovered_from_nlp_entities(generator_ads):
    truth_entities, nlp_entities, advertiser = generator_ads
    on_truth = pairwise_precision_recall(link_in_memory(truth_entities)[0], advertiser)
    on_nlp = pairwise_precision_recall(link_in_memory(nlp_entities)[0], advertiser)
    assert on_nlp[0] >= 0.99 and on_nlp[1] >= 0.97, (on_nlp, on_truth)
    assert on_nlp[1] >= on_truth[1] - 0.02, (on_nlp, on_truth)


def test_generator_phone_links_from_nlp_equal_those_from_truth(generator_ads):
    truth_entities, nlp_entities, _ = generator_ads
    by_truth = link_in_memory(truth_entities, kinds=("phone",))[0]
    by_nlp = link_in_memory(nlp_entities, kinds=("phone",))[0]
    precision, recall = pairwise_precision_recall(by_nlp, by_truth)
    assert precision >= 0.99 and recall >= 0.99, (precision, recall)


def test_template_text_from_nlp_entities_is_bounded(generator_ads):
    """TRAF_TEMPLATE_TEXT (near-identical text for different persons) against the generator's truth."""
    _, nlp_entities, _ = generator_ads
    truth = {t["id"]: set(t["link_codes"]) for t in generate(seed=SEED, n_ads=N_ADS, epoch=1).truth}
    codes = link_in_memory(nlp_entities)[1]
    predicted = {a for a, c in codes.items() if "TRAF_TEMPLATE_TEXT" in c}
    expected = {a for a, c in truth.items() if "TRAF_TEMPLATE_TEXT" in c}
    hit = len(predicted & expected)
    assert expected and hit / len(expected) >= 0.9, (len(predicted), len(expected), hit)
    assert hit / max(1, len(predicted)) >= 0.9, (len(predicted), len(expected), hit)


def test_blind_contact_links_from_nlp_entities():
    """blind-1 has no advertiser groups; the truth is what its labelled contacts link."""
    ads, truth = load_corpus(BLIND_1)
    labelled = [{**ad, "entities": t["entities"]} for ad, t in zip(ads, truth, strict=True)]
    for kinds, bound in ((("phone",), 0.99), (CONTACTS, 0.97)):
        by_truth = link_in_memory(labelled, kinds=kinds)[0]
        by_nlp = link_in_memory(_with_nlp_entities(ads), kinds=kinds)[0]
        precision, recall = pairwise_precision_recall(by_nlp, by_truth)
        assert precision >= bound and recall >= bound, (kinds, precision, recall)
