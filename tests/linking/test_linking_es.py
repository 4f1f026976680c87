"""Linking on a real Elasticsearch: ground-truth recovery, incremental = full, explanations, indicators."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from elasticsearch import helpers

from devtools.fixture_sites.generator import generate
from devtools.fixture_sites.truth_ads import truth_ads
from indexing.indexer import index_ads
from linking.explain import format_related, related
from linking.run import LinkReport, link
from signaal.settings import get_settings
from tests.linking.helpers import pairwise_precision_recall

pytestmark = pytest.mark.es

N_ADS = 300
SEED = 11


@pytest.fixture(scope="module")
def corpus():
    return truth_ads(SEED, N_ADS, 1)


def _snapshot(es, prefix):
    ads = {
        h["_id"]: (h["_source"]["cluster"], h["_source"].get("link_indicators"), h["_source"].get("priority"))
        for h in helpers.scan(es, index=f"{prefix}-ads", query={"_source": ["cluster", "link_indicators", "priority"]})
    }
    links = {
        h["_id"]: {k: v for k, v in h["_source"].items() if k != "created_at"}
        for h in helpers.scan(es, index=f"{prefix}-links", query={"query": {"exists": {"field": "ad_ids"}}})
    }
    clusters = {
        h["_id"]: {k: v for k, v in h["_source"].items() if k != "updated_at"}
        for h in helpers.scan(es, index=f"{prefix}-clusters", query={})
    }
    return ads, links, clusters


@dataclass(frozen=True)
class Linked:
    """The module's prefix after linking the corpus in two halves: the first run full, the second incremental."""

    first: LinkReport
    second: LinkReport
    snapshot: tuple[dict, dict, dict]


def _index_and_link(es, ads: list[dict]) -> Linked:
    half = len(ads) // 2
    index_ads(es, ads[:half], refresh=True)
    first = link(es)
    index_ads(es, ads[half:], refresh=True)
    second = link(es)
    return Linked(first, second, _snapshot(es, get_settings().index_prefix))


@pytest.fixture(scope="module")
def linked(es, index_prefix, corpus) -> Linked:
    """The corpus indexed and linked once for the tests that only read the result (none of them writes)."""
    return _index_and_link(es, corpus[0])


def test_incremental_equals_full_and_recovers_advertisers(es, index_prefix, corpus, linked):
    ads, advertiser = corpus
    half = len(ads) // 2
    assert (linked.first.mode, linked.first.ads_processed) == ("full", half)
    assert linked.second.mode == "incremental" and linked.second.ads_processed >= len(ads) - half
    incremental = linked.snapshot

    assert link(es).ads_updated == 0  # idempotent
    full = link(es, full=True)
    assert full.ads_updated == 0
    assert _snapshot(es, index_prefix) == incremental

    cluster_of = {ad_id: state[0]["id"] for ad_id, state in incremental[0].items()}
    precision, recall = pairwise_precision_recall(cluster_of, advertiser)
    print(f"\npairwise precision {precision:.3f} recall {recall:.3f} on {len(ads)} ads")
    assert precision >= 0.95 and recall >= 0.95
    for cid, doc in incremental[2].items():
        assert doc["size"] == len(doc["ad_ids"]) >= 2
        assert all(cluster_of[a] == cid for a in doc["ad_ids"])
        assert doc["first_seen"] <= doc["last_seen"]


def test_photo_chunks_and_text_bands_are_separate_searchable_fields(es, index_prefix, corpus, linked):
    """A photo lookup hits photo_chunks only, a text lookup text_minhash.bands only (each a keyword field)."""
    ads, _ = corpus
    with_photo = next(a for a in ads if a["images"])
    doc = es.get(index=f"{index_prefix}-ads", id=with_photo["id"])["_source"]
    chunks, bands = doc["photo_chunks"], doc["text_minhash"]["bands"]
    assert chunks and all(c.startswith("p") for c in chunks)
    assert all(b.startswith("t") for b in bands)
    hits = es.search(index=f"{index_prefix}-ads", query={"terms": {"photo_chunks": chunks}}, size=1000)
    assert with_photo["id"] in {h["_id"] for h in hits["hits"]["hits"]}
    none = es.search(index=f"{index_prefix}-ads", query={"terms": {"text_minhash.bands": chunks}}, size=0)
    assert none["hits"]["total"]["value"] == 0


def test_link_indicators_match_truth_and_raise_priority(es, index_prefix, linked):
    truth = {t["id"]: set(t["link_codes"]) for t in generate(seed=SEED, n_ads=N_ADS, epoch=1).truth}
    stored = {
        h["_id"]: h["_source"]
        for h in helpers.scan(
            es, index=f"{index_prefix}-ads", query={"_source": ["link_indicators", "priority", "risk"]}
        )
    }
    for code in ("TRAF_SHARED_CONTACT", "MINOR_AGE_INCONSISTENT", "TRAF_TEMPLATE_TEXT"):
        predicted = {a for a, s in stored.items() if any(i["code"] == code for i in s.get("link_indicators") or ())}
        expected = {a for a, codes in truth.items() if code in codes}
        hit = len(predicted & expected)
        counts = f"{code}: predicted {len(predicted)}, true {len(expected)}, both {hit}"
        assert expected and hit / len(expected) >= 0.9 and hit / max(1, len(predicted)) >= 0.9, counts
    flagged = [s for s in stored.values() if s.get("link_indicators")]
    assert flagged and all(s["priority"] > s["risk"]["priority"] for s in flagged)
    assert all(i["reason"] and i["category"] in ("minor", "trafficking") for s in flagged for i in s["link_indicators"])


def test_related_explains_every_link(es, index_prefix, linked):
    ad_id = next(
        h["_id"]
        for h in helpers.scan(es, index=f"{index_prefix}-ads", query={"query": {"range": {"cluster.size": {"gte": 3}}}})
    )
    result = related(es, ad_id)
    stored = es.get(index=f"{index_prefix}-ads", id=ad_id)["_source"]["cluster"]
    assert result["cluster"]["size"] == stored["size"] >= 3 and result["links"]
    for item in result["links"]:
        assert item["reason"] and item["other_ad_ids"] and ad_id not in item["other_ad_ids"]
        if item["kind"] in ("phone", "email", "handle"):
            assert item["value"]
        if item["kind"] == "image_phash":
            assert item["distance"] is not None
        if item["kind"] == "text":
            assert item["similarity"] >= 0.75
    text = format_related(result)
    assert ad_id in text and result["links"][0]["kind"] in text


def test_new_ad_merges_two_clusters(es, fresh_index_prefix, corpus):
    """Writes to the index, so on a prefix of its own: the other tests read the module's linked corpus."""
    index_prefix = fresh_index_prefix
    _index_and_link(es, corpus[0])
    clusters = {
        h["_id"]: h["_source"]
        for h in helpers.scan(es, index=f"{index_prefix}-clusters", query={"_source": ["ad_ids", "phones"]})
    }
    with_phone = [c for c in clusters.values() if c.get("phones")][:2]
    a, b = with_phone
    bridge = {
        "id": "prikbord:bridge1",
        "site": "prikbord",
        "title": "Nieuw",
        "body": "Kort bericht.",
        "entities": {"phones": [a["phones"][0], b["phones"][0]], "names": ["Zoe"]},
        "crawl": {"first_seen": "2025-06-01T00:00:00Z"},
    }
    index_ads(es, [bridge], refresh=True)
    report = link(es)
    assert report.mode == "incremental"
    merged = es.get(index=f"{index_prefix}-ads", id="prikbord:bridge1")["_source"]["cluster"]
    assert merged["size"] == len(a["ad_ids"]) + len(b["ad_ids"]) + 1
    assert (
        min(a["ad_ids"] + b["ad_ids"]) in es.get(index=f"{index_prefix}-clusters", id=merged["id"])["_source"]["ad_ids"]
    )
    before = _snapshot(es, index_prefix)
    link(es, full=True)
    assert _snapshot(es, index_prefix) == before


def test_cli_link_and_related(es, index_prefix, linked):
    import json

    from typer.testing import CliRunner

    from signaal.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["link", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["mode"] == "incremental"
    ad_id = next(
        h["_id"]
        for h in helpers.scan(es, index=f"{index_prefix}-ads", query={"query": {"range": {"cluster.size": {"gte": 2}}}})
    )
    shown = runner.invoke(app, ["related", ad_id])
    assert shown.exit_code == 0 and ad_id in shown.output and "->" in shown.output
    missing = runner.invoke(app, ["related", "nosuchsite:1"])
    assert missing.exit_code == 1 and "no ad with id" in missing.output and "Traceback" not in missing.output
    bad = runner.invoke(app, ["link", "--config", "/nonexistent/linking.yaml"])
    assert bad.exit_code == 1 and "cannot read linking config" in bad.output
