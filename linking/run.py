"""The linking job: full rebuild or incremental update of links, clusters and ads' linking blocks.

Incremental runs take the ads not linked yet (no ``cluster.id``) or written
again by the indexer (``indexed_at``) since the last run started, find existing ads that share a value
with them (one terms query per batch), and recompute links for those ads plus
every member of the clusters they touch. A cluster is closed under links, so
this small set gives exactly the links and clusters a full rebuild would give;
``find_links`` is the same function in both modes, and the "too common" counts
come from the whole index in both.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from elasticsearch import Elasticsearch

from indexing.derive import derive_fields
from indexing.slices import pit_pages, point_in_time, run_slices
from linking import store
from linking.clusters import cluster_doc
from linking.config import LinkingConfig, default_config
from linking.graph import CAP_OF_KIND, Link, components, count_values, find_links
from linking.indicators import link_indicators
from linking.keys import AdKeys, ad_keys, nearby_place_keys
from signaal.es.client import get_client
from signaal.ids import utc_now
from signaal.record import LINKING_BLOCKS
from signaal.settings import alias

# an ad's blocks that linking owns, and the derived fields it must keep consistent with them
OWN_BLOCKS = (*LINKING_BLOCKS, "indicator_codes", "priority")
# what is kept of each ad after its keys are computed (enough to derive priority and detect changes)
KEEP = ("risk", "indicators", *OWN_BLOCKS)
KEEP_ALIVE = "5m"
PROGRESS_EVERY = 1000


@dataclass
class LinkReport:
    mode: str
    ads_processed: int = 0
    ads_updated: int = 0
    links: int = 0
    links_deleted: int = 0
    clusters: int = 0
    clusters_deleted: int = 0
    largest_cluster: int = 0
    seconds: float = 0.0
    # full rebuild phases: read ads + compute keys, find links + components, write to Elasticsearch
    phase_seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Parallel:
    """How a job spreads the reading of ads and the computing of their keys (the bulk of a full rebuild's CPU)
    over processes: ``workers`` slices of a point-in-time (indexing.slices), used for a scan of at least
    ``from_ads`` ads (starting a worker costs 1-2 s of imports); ``on_progress(phase, done, total)``."""

    workers: int = 1
    from_ads: int = 10_000
    on_progress: Callable[[str, int, int | None], None] | None = None


def keys_of_slice(
    part: tuple[int, int], pit: str, query: dict[str, Any], cfg: LinkingConfig
) -> Iterator[list[tuple[str, AdKeys, dict[str, Any]]]]:
    """One worker's share of a scan: (id, keys, kept blocks) of the ads in slice ``part``, a page at a time."""
    es = get_client(component="linker")
    try:
        for hits in pit_pages(es, pit, query, cfg.batch_size, part, keep_alive=KEEP_ALIVE, source=store.SOURCE_FIELDS):
            page = []
            for hit in hits:
                doc = {**hit["_source"], "id": hit["_id"]}
                page.append((hit["_id"], ad_keys(doc, cfg), {k: doc[k] for k in KEEP if k in doc}))
            yield page
    finally:
        es.close()


class _Job:
    def __init__(
        self, es: Elasticsearch, cfg: LinkingConfig, prefix: str | None, parallel: Parallel | None = None
    ) -> None:
        self.es, self.cfg = es, cfg
        self.parallel = parallel or Parallel()
        self.ads_index, self.links_index = alias("ads", prefix), alias("links", prefix)
        self.clusters_index = alias("clusters", prefix)
        self.keys: dict[str, AdKeys] = {}
        self.stored: dict[str, dict[str, Any]] = {}

    def progress(self, phase: str, done: int = 0, total: int | None = None) -> None:
        if self.parallel.on_progress is not None:
            self.parallel.on_progress(phase, done, total)

    # -- reading -----------------------------------------------------------------------------------
    def load(self, docs: Iterable[dict[str, Any]], total: int | None = None) -> list[str]:
        """Compute keys of ``docs`` not seen yet in this run; returns the ids of all of them."""
        ids = []
        for doc in docs:
            ad_id = doc["id"]
            ids.append(ad_id)
            if ad_id not in self.keys:
                self.keys[ad_id] = ad_keys(doc, self.cfg)
                self.stored[ad_id] = {k: doc[k] for k in KEEP if k in doc}
            if total is not None and len(ids) % PROGRESS_EVERY == 0:
                self.progress("reading ads", len(ids), total)
        return ids

    def scan(self, query: dict[str, Any]) -> list[str]:
        total = int(self.es.count(index=self.ads_index, query=query)["count"])
        if self.parallel.workers > 1 and total >= self.parallel.from_ads:
            ids = self._scan_sliced(query, total)
        else:
            ids = self.load(store.scan_ads(self.es, self.ads_index, query, self.cfg.batch_size), total)
        self.progress("reading ads", len(ids), total)
        return ids

    def _scan_sliced(self, query: dict[str, Any], total: int) -> list[str]:
        ids: list[str] = []
        with point_in_time(self.es, self.ads_index, KEEP_ALIVE) as pit:
            for page in run_slices(keys_of_slice, self.parallel.workers, pit, query, self.cfg):
                for ad_id, keys, kept in page:
                    ids.append(ad_id)
                    if ad_id not in self.keys:
                        self.keys[ad_id], self.stored[ad_id] = keys, kept
                self.progress("reading ads", len(ids), total)
        return ids

    def counts_for(self, ids: Iterable[str]) -> dict[tuple[str, str], int]:
        """Index-wide counts of every capped value the given ads carry."""
        return store.value_counts(self.es, self.ads_index, _values(self.keys[i] for i in ids))

    # -- writing -----------------------------------------------------------------------------------
    def write(
        self,
        ids: list[str],
        links: list[Link],
        comps: Mapping[str, list[str]],
        old_links: Mapping[str, dict[str, Any]],
        old_clusters: Mapping[str, dict[str, Any]],
        report: LinkReport,
    ) -> None:
        now = utc_now()
        cluster_of = {m: cid for cid, members in comps.items() for m in members}
        indicators = link_indicators(links, comps, self.keys, self.cfg)
        blocks: dict[str, dict[str, Any]] = {}
        updates = []
        for ad_id in ids:
            stored = self.stored[ad_id]
            cid = cluster_of[ad_id]
            new = {
                "cluster": {"id": cid, "size": len(comps[cid])},
                "link_indicators": indicators.get(ad_id, []),
                "text_minhash": {"bands": self.keys[ad_id].bands},
                "photo_chunks": self.keys[ad_id].photo_chunks,
                "photo_places": self.keys[ad_id].photo_places,
            }
            derived = derive_fields({"risk": stored.get("risk"), "indicators": stored.get("indicators"), **new})
            new["indicator_codes"] = derived["indicator_codes"]
            new["priority"] = derived["priority"]
            blocks[ad_id] = new
            if any(stored.get(k) != new[k] for k in OWN_BLOCKS):
                updates.append({"_op_type": "update", "_index": self.ads_index, "_id": ad_id, "doc": new})
        link_docs = {link.id: link.to_doc(cluster_of[link.ad_ids[0]], now) for link in links}
        clusters = {
            cid: cluster_doc(cid, members, self.keys, blocks, now) for cid, members in comps.items() if len(members) > 1
        }
        # unchanged documents are not rewritten (and keep their created_at / updated_at)
        actions: list[dict[str, Any]] = [
            {"_op_type": "index", "_index": self.links_index, "_id": lid, "_source": doc}
            for lid, doc in link_docs.items()
            if not _same(old_links.get(lid), doc, "created_at")
        ]
        actions += [
            {"_op_type": "index", "_index": self.clusters_index, "_id": cid, "_source": doc}
            for cid, doc in clusters.items()
            if not _same(old_clusters.get(cid), doc, "updated_at")
        ]
        stale_links = sorted(set(old_links) - set(link_docs) - {store.STATE_ID})
        stale_clusters = sorted(set(old_clusters) - set(clusters))
        actions += [{"_op_type": "delete", "_index": self.links_index, "_id": i} for i in stale_links]
        actions += [{"_op_type": "delete", "_index": self.clusters_index, "_id": i} for i in stale_clusters]
        store.bulk_write(self.es, actions, ignore_missing=True)
        report.ads_updated += store.bulk_write(self.es, updates, ignore_missing=True)
        self.es.indices.refresh(index=[self.ads_index, self.links_index, self.clusters_index])
        report.ads_processed += len(ids)
        report.links += len(link_docs)
        report.links_deleted += len(stale_links)
        report.clusters += len(clusters)
        report.clusters_deleted += len(stale_clusters)
        report.largest_cluster = max([report.largest_cluster, *(len(m) for m in comps.values())])


def _same(old: dict[str, Any] | None, new: dict[str, Any], stamp: str) -> bool:
    """Equal apart from the time stamp ``stamp``."""
    return old is not None and {k: v for k, v in old.items() if k != stamp} == {
        k: v for k, v in new.items() if k != stamp
    }


def _values(ads: Iterable[AdKeys]) -> dict[str, set[str]]:
    """kind -> values carried by ``ads``, for every kind that has a "too common" cap."""
    out: dict[str, set[str]] = defaultdict(set)
    for ad in ads:
        for kind, value in ad.values():
            out[kind].add(value)
        out["image_phash"].update(ad.phashes)
        out["photo_gps"].update(ad.photo_places)
        out["text_band"].update(ad.bands)
    return dict(out)


def _cap(cfg: LinkingConfig, kind: str) -> int:
    return int(getattr(cfg.too_common, CAP_OF_KIND[kind]))


def link_full(
    es: Elasticsearch,
    *,
    cfg: LinkingConfig | None = None,
    prefix: str | None = None,
    parallel: Parallel | None = None,
) -> LinkReport:
    """Rebuild every link and cluster from all ads."""
    started_clock, started = time.perf_counter(), utc_now()
    job = _Job(es, cfg or default_config(), prefix, parallel)
    report = LinkReport("full")
    ids = job.scan({"match_all": {}})
    keys = [job.keys[i] for i in ids]
    mark = time.perf_counter()
    report.phase_seconds["read_and_keys"] = round(mark - started_clock, 2)
    job.progress("finding links", len(ids), len(ids))
    links = find_links(keys, count_values(keys), job.cfg)
    comps = components(ids, links)
    report.phase_seconds["links_and_clusters"] = round(time.perf_counter() - mark, 2)
    mark = time.perf_counter()
    job.progress("writing", len(ids), len(ids))
    old_links = store.docs_matching(es, job.links_index, {"match_all": {}})
    old_clusters = store.docs_matching(es, job.clusters_index, {"match_all": {}})
    job.write(ids, links, comps, old_links, old_clusters, report)
    report.phase_seconds["write"] = round(time.perf_counter() - mark, 2)
    store.write_state(es, job.links_index, {"checkpoint": started, "mode": "full", "report": report.as_dict()})
    report.seconds = round(time.perf_counter() - started_clock, 3)
    return report


def link_incremental(
    es: Elasticsearch,
    *,
    cfg: LinkingConfig | None = None,
    prefix: str | None = None,
    parallel: Parallel | None = None,
) -> LinkReport:
    """Link ads that are new or re-crawled since the last run; falls back to a full rebuild on the first run."""
    started_clock, started = time.perf_counter(), utc_now()
    job = _Job(es, cfg or default_config(), prefix, parallel)
    state = store.read_state(es, job.links_index)
    if state is None or not state.get("checkpoint"):
        return link_full(es, cfg=job.cfg, prefix=prefix, parallel=parallel)
    report = LinkReport("incremental")
    new_query = {
        "bool": {
            "should": [
                {"bool": {"must_not": {"exists": {"field": "cluster.id"}}}},
                {"range": {"indexed_at": {"gt": state["checkpoint"]}}},
            ],
            "minimum_should_match": 1,
        }
    }
    new_ids = job.scan(new_query)
    if new_ids:
        _link_new(job, new_ids, report)
    store.write_state(es, job.links_index, {"checkpoint": started, "mode": "incremental", "report": report.as_dict()})
    report.seconds = round(time.perf_counter() - started_clock, 3)
    return report


def _link_new(job: _Job, new_ids: list[str], report: LinkReport) -> None:
    es, cfg = job.es, job.cfg
    new_set = set(new_ids)
    old_clusters = {c["id"] for i in new_ids if isinstance(c := job.stored[i].get("cluster"), dict) and c.get("id")}
    # 1. store the new ads' text bands, photo chunks and places first, so index-wide counts (the "too common" caps)
    #    include them
    store.bulk_write(
        es,
        (
            {
                "_op_type": "update",
                "_index": job.ads_index,
                "_id": i,
                "doc": {
                    "text_minhash": {"bands": job.keys[i].bands},
                    "photo_chunks": job.keys[i].photo_chunks,
                    "photo_places": job.keys[i].photo_places,
                },
            }
            for i in new_ids
        ),
        ignore_missing=True,
    )
    es.indices.refresh(index=job.ads_index)
    new_values = _values(job.keys[i] for i in new_ids)
    counts = store.value_counts(es, job.ads_index, new_values)
    own = count_values(job.keys[i] for i in new_ids)
    usable: dict[str, set[str]] = defaultdict(set)
    crossing: dict[str, set[str]] = defaultdict(set)
    for kind, values in new_values.items():
        for v in values:
            n, cap = counts.get((kind, v), 0), _cap(cfg, kind)
            if n <= cap:
                usable[kind].add(v)
            elif n - own.get((kind, v), 0) <= cap:  # became too common in this run: its old links must go
                crossing[kind].add(v)
    usable["photo_chunk"] = {c for i in new_ids for c in job.keys[i].photo_chunks}
    # a photo position is near another when that one lies in its cell or a neighbouring one
    usable["photo_gps"] = {
        k for i in new_ids for p in job.keys[i].gps.values() for k in nearby_place_keys(p, cfg.gps.max_distance_m)
    }
    # 2. candidates: existing ads sharing a usable value; keep those really linked to a new ad
    candidates = job.load(store.search_values(es, job.ads_index, usable, cfg.batch_size))
    first = sorted(new_set | set(candidates))
    links0 = find_links([job.keys[i] for i in first], job.counts_for(first), cfg)
    for members in components(first, links0).values():
        if new_set.intersection(members):
            old_clusters |= {
                c["id"] for m in members if isinstance(c := job.stored[m].get("cluster"), dict) and c.get("id")
            }
    for ad_id in job.load(store.search_values(es, job.ads_index, crossing, cfg.batch_size)):
        cluster = job.stored[ad_id].get("cluster")
        if isinstance(cluster, dict) and cluster.get("id"):
            old_clusters.add(cluster["id"])
    # 3. recompute everything in the touched clusters plus the new ads
    _recompute(job, old_clusters, new_ids, report)


def _recompute(job: _Job, cluster_ids: set[str], extra_ids: Iterable[str], report: LinkReport) -> None:
    """Rebuild links and clusters over the ads now in ``cluster_ids`` plus ``extra_ids``; stale ones are removed."""
    scope = set(extra_ids)
    for chunk in store.batches(sorted(cluster_ids)):
        scope.update(job.scan({"terms": {"cluster.id": chunk}}))
    ids = sorted(scope)
    links = find_links([job.keys[i] for i in ids], job.counts_for(ids), job.cfg)
    comps = components(ids, links)
    job.write(
        ids,
        links,
        comps,
        store.docs_by_terms(job.es, job.links_index, "ad_ids", ids),
        store.docs_by_terms(job.es, job.clusters_index, "id", cluster_ids),
        report,
    )


def relink_clusters(
    es: Elasticsearch, cluster_ids: Iterable[str], *, cfg: LinkingConfig | None = None, prefix: str | None = None
) -> LinkReport:
    """Recompute the given clusters from the ads still in them, after ads were deleted or pseudonymised.

    Retention uses this so a cluster never keeps summaries (names, contacts) of ads that are gone, and
    a cluster split by a removal becomes two; clusters left with one ad or none are deleted.
    """
    started_clock = time.perf_counter()
    job = _Job(es, cfg or default_config(), prefix)
    report = LinkReport("clusters")
    wanted = set(cluster_ids)
    if wanted:
        _recompute(job, wanted, (), report)
    report.seconds = round(time.perf_counter() - started_clock, 3)
    return report


def link(
    es: Elasticsearch,
    *,
    full: bool = False,
    cfg: LinkingConfig | None = None,
    prefix: str | None = None,
    parallel: Parallel | None = None,
) -> LinkReport:
    """``signaal link``: incremental by default, ``full=True`` rebuilds; ``parallel`` spreads the reading."""
    return (link_full if full else link_incremental)(es, cfg=cfg, prefix=prefix, parallel=parallel)
