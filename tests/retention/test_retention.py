"""Retention on a real Elasticsearch: old non-leads go, leads and their evidence stay, every run is audited."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from elasticsearch import helpers
from typer.testing import CliRunner

from retention.apply import REDACTED_TEXT, apply_retention
from retention.policy import RetentionPolicy, load_policy
from retention.pseudonyms import pseudonym
from signaal.cli import app
from signaal.settings import get_settings

pytestmark = pytest.mark.es

NOW = datetime(2026, 11, 1, tzinfo=UTC)
OLD = "2026-01-01T00:00:00Z"
RECENT = "2026-10-30T00:00:00Z"
KEY = b"k" * 32


def _ad(ad_id: str, last_seen: str, *, status: str = "new", cluster: str | None = None, warc: str | None = None):
    return {
        "id": ad_id,
        "site": "prikbord",
        "url": f"http://127.0.0.1:1/ad/{ad_id}",
        "title": "Vriendelijke dame in Utrecht",
        "body": "Bel 06-12345678, 80 euro per uur.",
        "crawl": {"first_seen": OLD, "last_seen": last_seen, "version": 1},
        "entities": {
            "phones": ["+31612345678", "+31698765432"],
            "phone_checks": [{"phone": "+31698765432", "check": "unassigned"}],
            "emails": ["lisa@example.test"],
            "handles": [{"platform": "telegram", "handle": "lisa_utr"}],
            "names": ["Lisa"],
        },
        "indicator_codes": ["TRAF_HOTEL"],
        "triage": {"status": status},
        "cluster": {"id": cluster, "size": 2} if cluster else None,
        "evidence": {"warc_file": warc, "record_id": f"<urn:uuid:{ad_id}>", "sha256": "0" * 64} if warc else None,
    }


@pytest.fixture
def loaded(es, fresh_index_prefix, tmp_path: Path):
    settings = get_settings()
    ads = [
        _ad("prikbord:old-plain", OLD, warc="only-old.warc.gz"),
        _ad("prikbord:old-lead", OLD, status="lead", cluster="c1", warc="shared.warc.gz"),
        _ad("prikbord:old-in-lead-cluster", OLD, cluster="c1", warc="shared.warc.gz"),
        _ad("prikbord:old-dismissed", OLD, status="not_relevant", warc="shared.warc.gz"),
        _ad("prikbord:recent", RECENT),
    ]
    actions = [{"_index": settings.alias("ads"), "_id": a["id"], "_source": a} for a in ads]
    actions.append(
        {
            "_index": settings.alias("ad-versions"),
            "_id": "prikbord:old-plain:v1",
            "_source": {"ad_id": "prikbord:old-plain", "version": 1},
        }
    )
    actions.append(
        {
            "_index": settings.alias("links"),
            "_id": "l1",
            "_source": {"ad_ids": ["prikbord:old-plain", "prikbord:recent"], "kind": "phone"},
        }
    )
    helpers.bulk(es, actions, refresh=True)
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    for name in ("only-old.warc.gz", "shared.warc.gz"):
        for suffix in ("", ".manifest.json", ".manifest.json.sig"):
            (evidence / f"{name}{suffix}").write_bytes(b"x")
    return evidence


def _source(es, ad_id: str):
    resp = es.options(ignore_status=404).get(index=get_settings().alias("ads"), id=ad_id)
    return resp.get("_source") if resp.get("found") else None


def test_policy_file_is_valid_and_bad_files_are_named(tmp_path: Path):
    assert load_policy().max_age_days > 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("max_age_days: -3\naction: shred\nprotected_statuses: []\n")
    with pytest.raises(ValueError, match=r"bad\.yaml"):
        load_policy(bad)


def test_dry_run_changes_nothing(es, loaded: Path):
    policy = RetentionPolicy(max_age_days=90, action="delete", protected_statuses=["lead", "escalate_minor"])
    report = apply_retention(es, policy, dry_run=True, key=KEY, evidence_dir=loaded, now=NOW)
    assert report.candidates == 3  # old-plain, old-in-lead-cluster, old-dismissed (the lead is protected)
    assert report.protected_by_cluster == 1
    assert report.ads_acted_on == 2
    assert report.evidence_files_deleted == ["only-old.warc.gz"]
    assert _source(es, "prikbord:old-plain") is not None
    assert (loaded / "only-old.warc.gz").exists()


def test_delete_removes_old_non_leads_and_only_unreferenced_evidence(es, loaded: Path):
    policy = RetentionPolicy(max_age_days=90, action="delete", protected_statuses=["lead", "escalate_minor"])
    report = apply_retention(es, policy, dry_run=False, key=KEY, evidence_dir=loaded, now=NOW)
    assert report.ads_acted_on == 2 and not report.errors
    assert _source(es, "prikbord:old-plain") is None
    assert _source(es, "prikbord:old-dismissed") is None
    assert _source(es, "prikbord:old-lead") is not None
    assert _source(es, "prikbord:old-in-lead-cluster") is not None
    assert _source(es, "prikbord:recent") is not None
    assert report.versions_deleted == 1 and report.links_deleted == 1
    assert not list(loaded.glob("only-old.warc.gz*"))
    assert (loaded / "shared.warc.gz").exists() and (loaded / "shared.warc.gz.manifest.json.sig").exists()
    again = apply_retention(es, policy, dry_run=False, key=KEY, evidence_dir=loaded, now=NOW)
    assert again.ads_acted_on == 0


def test_pseudonymise_keeps_statistics_but_no_personal_data(es, loaded: Path):
    policy = RetentionPolicy(max_age_days=90, action="pseudonymise", protected_statuses=["lead"])
    apply_retention(es, policy, dry_run=False, key=KEY, evidence_dir=loaded, now=NOW)
    source = _source(es, "prikbord:old-plain")
    assert source["title"] == REDACTED_TEXT and source["body"] == REDACTED_TEXT
    assert source["entities"]["phones"] == [pseudonym(KEY, "phone", p) for p in ("+31612345678", "+31698765432")]
    assert source["entities"]["phone_checks"] == [
        {"phone": pseudonym(KEY, "phone", "+31698765432"), "check": "unassigned"}
    ]
    assert source["entities"]["names"] == []
    assert "+31612345678" not in str(source) and "lisa" not in str(source).lower()
    assert "+31698765432" not in str(source)
    assert source["indicator_codes"] == ["TRAF_HOTEL"]
    assert source["retention"]["action"] == "pseudonymise"


def test_cli_run_is_audited(es, loaded: Path):
    result = CliRunner().invoke(
        app, ["retention", "apply", "--dry-run", "--older-than-days", "90", "--evidence-dir", str(loaded)]
    )
    assert result.exit_code == 0, result.output
    assert "would act on" in result.output
    es.indices.refresh(index=get_settings().alias("audit"))
    hits = es.search(index=get_settings().alias("audit"), query={"term": {"action": "retention.dry_run"}})
    assert hits["hits"]["total"]["value"] == 1


def test_clusters_that_lose_members_are_rebuilt_without_their_data(es, fresh_index_prefix, tmp_path: Path):
    """Three ads linked by one phone; the old one goes: its cluster keeps two ads and none of its own contacts."""
    from indexing.indexer import index_ads
    from linking.run import link

    old = _ad("prikbord:gone", OLD)
    old["entities"]["emails"] = ["only-on-gone@example.test"]
    staying = [_ad(f"prikbord:stay-{i}", RECENT) for i in range(2)]
    for ad in staying:
        ad["entities"]["emails"] = []
    index_ads(es, [{k: v for k, v in ad.items() if k not in ("cluster", "evidence")} for ad in [old, *staying]])
    es.indices.refresh(index=get_settings().alias("ads"))
    link(es, full=True)
    clusters = get_settings().alias("clusters")
    before = [h["_source"] for h in helpers.scan(es, index=clusters, query={"query": {"match_all": {}}})]
    assert [sorted(c["ad_ids"]) for c in before] == [["prikbord:gone", "prikbord:stay-0", "prikbord:stay-1"]]

    policy = RetentionPolicy(max_age_days=90, action="delete", protected_statuses=["lead"])
    report = apply_retention(es, policy, dry_run=False, key=KEY, evidence_dir=tmp_path, now=NOW)
    assert report.ads_acted_on == 1 and report.clusters_rebuilt == 1 and not report.errors
    es.indices.refresh(index=clusters)
    after = [h["_source"] for h in helpers.scan(es, index=clusters, query={"query": {"match_all": {}}})]
    assert [sorted(c["ad_ids"]) for c in after] == [["prikbord:stay-0", "prikbord:stay-1"]]
    assert "only-on-gone@example.test" not in str(after) and after[0]["size"] == 2
    assert _source(es, "prikbord:stay-0")["cluster"]["size"] == 2
