"""Find the ads a retention policy covers and delete or pseudonymise them.

Elasticsearch's delete-by-query and update-by-query are not available on the
provisioned node (and would hide what was done), so candidates are read with a
scroll, acted on with bulk requests, and every affected id is counted in the
report that goes into the audit log.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch, helpers

from linking.run import relink_clusters
from retention.policy import RetentionPolicy
from retention.pseudonyms import pseudonym
from signaal.ids import utc_iso, utc_now
from signaal.settings import alias

REDACTED_TEXT = "[removed by retention policy]"
SOURCE_FIELDS = ["id", "cluster.id", "triage.status", "crawl.last_seen", "evidence.warc_file", "entities"]


@dataclass
class RetentionReport:
    """What a run did (or, in a dry run, would do)."""

    cutoff: str
    action: str
    dry_run: bool
    candidates: int = 0
    protected_by_cluster: int = 0
    ads_acted_on: int = 0
    versions_deleted: int = 0
    links_deleted: int = 0
    clusters_rebuilt: int = 0
    clusters_deleted: int = 0
    evidence_files_deleted: list[str] = field(default_factory=list)
    evidence_files_kept: list[str] = field(default_factory=list)
    sample_ids: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def cutoff_for(policy: RetentionPolicy, now: datetime | None = None) -> str:
    """The last-seen time before which an ad is old enough to go (UTC ISO)."""
    moment = (now or datetime.now(UTC)) - timedelta(days=policy.max_age_days)
    return utc_iso(moment)


def protected_clusters(es: Elasticsearch, ads_alias: str, statuses: list[str]) -> set[str]:
    """Cluster ids that hold at least one ad with a protected status (composite aggregation, paged)."""
    clusters: set[str] = set()
    after: dict[str, Any] | None = None
    while True:
        composite: dict[str, Any] = {"size": 1000, "sources": [{"c": {"terms": {"field": "cluster.id"}}}]}
        if after:
            composite["after"] = after
        resp = es.search(
            index=ads_alias,
            size=0,
            query={"terms": {"triage.status": statuses}},
            aggs={"clusters": {"composite": composite}},
        )
        agg = resp["aggregations"]["clusters"]
        clusters.update(bucket["key"]["c"] for bucket in agg["buckets"])
        after = agg.get("after_key")
        if not agg["buckets"] or not after:
            return clusters


def candidate_query(policy: RetentionPolicy, cutoff: str) -> dict[str, Any]:
    """Old ads without a protected status (cluster protection is applied while reading)."""
    return {
        "bool": {
            "filter": [{"range": {"crawl.last_seen": {"lt": cutoff}}}],
            "must_not": [{"terms": {"triage.status": policy.protected_statuses}}],
        }
    }


def iter_candidates(
    es: Elasticsearch, ads_alias: str, policy: RetentionPolicy, cutoff: str, report: RetentionReport
) -> Iterator[dict[str, Any]]:
    """Yield the source of every ad the policy covers, skipping ads in protected clusters."""
    protected = protected_clusters(es, ads_alias, policy.protected_statuses)
    for hit in helpers.scan(
        es, index=ads_alias, query={"query": candidate_query(policy, cutoff)}, _source=SOURCE_FIELDS
    ):
        source = hit["_source"]
        report.candidates += 1
        if (source.get("cluster") or {}).get("id") in protected:
            report.protected_by_cluster += 1
            continue
        source["_id"] = hit["_id"]
        yield source


def pseudonymised_fields(source: dict[str, Any], key: bytes) -> dict[str, Any]:
    """Partial document that replaces personal data but keeps what statistics need."""
    entities = source.get("entities") or {}
    handles = [
        {"platform": h.get("platform"), "handle": pseudonym(key, "handle", f"{h.get('platform')}:{h.get('handle')}")}
        for h in entities.get("handles") or []
    ]
    return {
        "title": REDACTED_TEXT,
        "body": REDACTED_TEXT,
        "url": None,
        "images": [],
        "evidence": None,
        "entities": {
            **entities,
            "phones": [pseudonym(key, "phone", p) for p in entities.get("phones") or []],
            "phone_checks": [
                {**c, "phone": pseudonym(key, "phone", c.get("phone"))} for c in entities.get("phone_checks") or []
            ],
            "emails": [pseudonym(key, "email", e) for e in entities.get("emails") or []],
            "handles": handles,
            "names": [],
        },
        "handle_keys": [f"{h['platform']}:{h['handle']}" for h in handles],
        "indicators": [],
        "retention": {"action": "pseudonymise", "at": utc_now()},
    }


def _ids_by_term(es: Elasticsearch, alias: str, field_name: str, values: list[str]) -> list[str]:
    """Ids of documents whose ``field_name`` holds any of ``values`` (earlier versions, links)."""
    if not values or not es.indices.exists_alias(name=alias):
        return []
    return [hit["_id"] for hit in helpers.scan(es, index=alias, query={"query": {"terms": {field_name: values}}})]


def _delete(es: Elasticsearch, alias: str, ids: list[str], report: RetentionReport) -> int:
    actions = ({"_op_type": "delete", "_index": alias, "_id": doc_id} for doc_id in ids)
    deleted = 0
    for ok, info in helpers.streaming_bulk(es, actions, raise_on_error=False, max_retries=3):
        if ok or info.get("delete", {}).get("status") == 404:
            deleted += 1
        else:
            report.errors.append(str(info)[:300])
    return deleted


def apply_retention(
    es: Elasticsearch,
    policy: RetentionPolicy,
    *,
    dry_run: bool,
    key: bytes,
    evidence_dir: Path,
    now: datetime | None = None,
    batch_size: int = 500,
) -> RetentionReport:
    """Run the policy once; safe to re-run (a pseudonymised ad has no personal data left to remove)."""
    ads_alias = alias("ads")
    cutoff = cutoff_for(policy, now)
    report = RetentionReport(cutoff=cutoff, action=policy.action, dry_run=dry_run)
    batch: list[dict[str, Any]] = []
    touched_warcs: dict[str, list[str]] = {}
    touched_clusters: set[str] = set()

    def flush() -> None:
        ids = [source["_id"] for source in batch]
        report.ads_acted_on += len(ids)
        report.sample_ids.extend(ids[: max(0, 20 - len(report.sample_ids))])
        for source in batch:
            if warc := (source.get("evidence") or {}).get("warc_file"):
                touched_warcs.setdefault(warc, []).append(source["_id"])
            if cluster_id := (source.get("cluster") or {}).get("id"):
                touched_clusters.add(cluster_id)
        if dry_run:
            return
        report.versions_deleted += _delete(
            es, alias("ad-versions"), _ids_by_term(es, alias("ad-versions"), "ad_id", ids), report
        )
        report.links_deleted += _delete(es, alias("links"), _ids_by_term(es, alias("links"), "ad_ids", ids), report)
        if policy.action == "delete":
            _delete(es, ads_alias, ids, report)
        else:
            actions = (
                {"_op_type": "update", "_index": ads_alias, "_id": s["_id"], "doc": pseudonymised_fields(s, key)}
                for s in batch
            )
            for ok, info in helpers.streaming_bulk(es, actions, raise_on_error=False, max_retries=3):
                if not ok:
                    report.errors.append(str(info)[:300])

    for source in iter_candidates(es, ads_alias, policy, cutoff, report):
        batch.append(source)
        if len(batch) >= batch_size:
            flush()
            batch.clear()
    if batch:
        flush()
    if not dry_run:
        es.indices.refresh(index=ads_alias)
        _rebuild_clusters(es, touched_clusters, report)
    _settle_evidence(es, ads_alias, touched_warcs, policy, evidence_dir, report)
    return report


def _rebuild_clusters(es: Elasticsearch, cluster_ids: set[str], report: RetentionReport) -> None:
    """Clusters that lost or changed members are recomputed from what is left.

    A cluster document summarises its members (names, contacts), so keeping it as it was would keep
    data the policy removed; a cluster split by the removal becomes two, one left alone disappears.
    """
    if not cluster_ids or not es.indices.exists_alias(name=alias("clusters")):
        return
    relinked = relink_clusters(es, cluster_ids)
    report.clusters_rebuilt = relinked.clusters
    report.clusters_deleted = relinked.clusters_deleted


def _settle_evidence(
    es: Elasticsearch,
    ads_alias: str,
    warc_to_ads: dict[str, list[str]],
    policy: RetentionPolicy,
    evidence_dir: Path,
    report: RetentionReport,
) -> None:
    """Delete a WARC file (with its manifest and signature) only when no remaining ad refers to it."""
    for name, acted_ids in sorted(warc_to_ads.items()):
        # Ads acted on in this run no longer count (in a dry run they are still there).
        query = {
            "bool": {"filter": [{"term": {"evidence.warc_file": name}}], "must_not": [{"ids": {"values": acted_ids}}]}
        }
        still_used = es.count(index=ads_alias, query=query)["count"]
        if still_used or not policy.delete_unreferenced_evidence:
            report.evidence_files_kept.append(name)
            continue
        report.evidence_files_deleted.append(name)
        if report.dry_run:
            continue
        for path in evidence_dir.glob(f"{name}*"):
            path.unlink(missing_ok=True)
