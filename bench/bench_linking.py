"""Benchmark: `signaal link --full` over N ads, then "all ads for this phone" / "similar ads" query latency.

Ads come from devtools.fixture_sites.truth_ads (the generator's ground-truth entities stand in for the NLP
stage, which is skipped so the bench measures linking, not spaCy; photo hashes derived without rendering).
Baselines measured in the same run: a plain scan of all ads (the floor any linking pass pays) and a
get-by-id (the floor for any query). Uses SIGNAAL_ES_URL (default the shared dev node) with its own
prefix, deleted at the end.

    .venv/bin/python bench/bench_linking.py [--n 100000] [--queries 300]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
from typing import Any

os.environ.setdefault("SIGNAAL_ES_URL", "http://127.0.0.1:9299")
PREFIX = os.environ.setdefault("SIGNAAL_INDEX_PREFIX", "dev_h6bench")


def percentiles(samples: list[float]) -> tuple[float, float]:
    qs = statistics.quantiles(samples, n=100)
    return qs[49] * 1000, qs[94] * 1000


def timed_queries(es: Any, index: str, bodies: list[dict[str, Any]]) -> list[float]:
    out = []
    for body in bodies:
        t = time.perf_counter()
        es.search(index=index, body=body)
        out.append(time.perf_counter() - t)
    return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="Keep the bench indices.")
    args = parser.parse_args()

    from elasticsearch import helpers

    from devtools.fixture_sites.truth_ads import truth_ads
    from indexing.indexer import index_ads
    from linking.run import link
    from signaal.es.client import get_client
    from signaal.es.mappings import apply_mappings, delete_prefix

    es = get_client(component="admin", request_timeout=120)  # the bench's own prefix: created, loaded, removed
    rows: list[tuple[str, str, str]] = []
    delete_prefix(es, PREFIX)
    apply_mappings(es, PREFIX)
    try:
        t = time.perf_counter()
        ads, _ = truth_ads(2024, args.n, render_photos=False)
        rows.append(("generate ads (not linking)", f"{time.perf_counter() - t:.1f} s", ""))
        t = time.perf_counter()
        index_ads(es, ads, refresh=True)
        rows.append(
            (
                "index ads (not linking)",
                f"{time.perf_counter() - t:.1f} s",
                f"{args.n / (time.perf_counter() - t):.0f} ads/s",
            )
        )
        phones = sorted({p for a in ads for p in a["entities"]["phones"]})
        sample_ids = [a["id"] for a in random.Random(1).sample(ads, min(args.queries, len(ads)))]
        del ads
        rss_before = peak_rss_mb()

        t = time.perf_counter()
        n_scanned = sum(
            1
            for _ in helpers.scan(
                es, index=f"{PREFIX}-ads", query={"_source": ["title", "body", "entities", "images"]}, size=1000
            )
        )
        scan_s = time.perf_counter() - t
        rows.append(("baseline: scan all ads", f"{scan_s:.1f} s", f"{n_scanned / scan_s:.0f} ads/s"))

        t = time.perf_counter()
        report = link(es, full=True)
        link_s = time.perf_counter() - t
        rows.append(
            (
                "signaal link --full",
                f"{link_s:.1f} s",
                f"{args.n / link_s:.0f} ads/s; {report.links} links, "
                f"{report.clusters} clusters, largest {report.largest_cluster}; target <= 120 s",
            )
        )
        phases = ", ".join(f"{k} {v:.0f} s" for k, v in report.phase_seconds.items())
        rows.append(("  phases", "", phases))
        t = time.perf_counter()
        rerun = link(es, full=True)
        rows.append(
            (
                "signaal link --full (re-run, no change)",
                f"{time.perf_counter() - t:.1f} s",
                f"{rerun.ads_updated} ads updated",
            )
        )
        rows.append(("peak RSS (whole bench)", f"{peak_rss_mb():.0f} MB", f"{rss_before:.0f} MB before linking"))
        t = time.perf_counter()
        again = link(es)
        rows.append(
            (
                "signaal link (incremental, nothing new)",
                f"{time.perf_counter() - t:.2f} s",
                f"{again.ads_processed} ads",
            )
        )

        rng = random.Random(2)
        ads_index = f"{PREFIX}-ads"
        get_lat = []
        for ad_id in sample_ids:
            t0 = time.perf_counter()
            es.get(index=ads_index, id=ad_id, source=False)
            get_lat.append(time.perf_counter() - t0)
        phone_bodies = [
            {"query": {"term": {"entities.phones": rng.choice(phones)}}, "size": 50, "_source": ["title"]}
            for _ in range(args.queries)
        ]
        docs = es.mget(index=ads_index, ids=sample_ids, source_includes=["text_minhash"])["docs"]
        similar_bodies = []
        for doc in docs:
            bands = doc["_source"].get("text_minhash", {}).get("bands", [])
            if bands:
                similar_bodies.append(
                    {
                        "query": {
                            "bool": {
                                "filter": {"terms": {"text_minhash.bands": bands}},
                                "must_not": {"ids": {"values": [doc["_id"]]}},
                            }
                        },
                        "size": 20,
                        "_source": ["title"],
                    }
                )
        for name, samples in (
            ("baseline: get ad by id", get_lat),
            ('"all ads for this phone"', timed_queries(es, ads_index, phone_bodies)),
            ('"similar ads" (minhash bands)', timed_queries(es, ads_index, similar_bodies)),
        ):
            p50, p95 = percentiles(samples)
            rows.append((name, f"p50 {p50:.1f} ms", f"p95 {p95:.1f} ms over {len(samples)} queries; target p95 <= 50"))
    finally:
        if not args.keep:
            delete_prefix(es, PREFIX)
    width = max(len(r[0]) for r in rows)
    print(f"\nlinking benchmark, {args.n} ads, ES {os.environ['SIGNAAL_ES_URL']}, prefix {PREFIX}")
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>14}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
