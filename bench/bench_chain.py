"""The whole chain on the same data: generate -> analyze+score -> index -> link -> investigator queries.

    .venv/bin/python bench/bench_chain.py                 # 10,000 ads
    .venv/bin/python bench/bench_chain.py --n 10000 --n 100000

Each stage is timed on the same ads in one process (ads/s per stage, end-to-end
seconds), then "all ads for this phone" and "similar ads" (MinHash bands) are
timed as an investigator would run them. The baseline row is the spaCy
tokenizer alone over the same texts: the floor any analysis has to pay.
Uses ``SIGNAAL_ES_URL`` when set, else starts a throw-away local node. Peak RSS
is the process maximum (the crawler is measured in bench_crawler.py).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from signaal.es.client import get_client
from signaal.es.mappings import apply_mappings, delete_prefix


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_node() -> tuple[object, Path]:
    """A throw-away single node (security on); its URL and credentials go into the environment."""
    from devtools.es_node.cluster import LocalCluster
    from devtools.es_node.distribution import ensure_distribution
    from signaal.paths import var_dir
    from signaal.settings import get_settings

    base = Path(tempfile.mkdtemp(prefix="bench-chain-", dir=var_dir()))
    base.chmod(0o755)
    node = LocalCluster(ensure_distribution(), base, heap="2g", cluster_name="bench", free_ports=True)
    node.start()
    os.environ.update(node.env())
    get_settings.cache_clear()
    return node, base


def timed_queries(es, alias: str, field: str, values: list[str]) -> list[float]:
    latencies = []
    for value in values:
        started = time.perf_counter()
        es.search(index=alias, query={"term": {field: value}}, size=100, _source=["id"])
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def run_chain(es, n_ads: int, seed: int) -> list[tuple[str, int, float, str]]:
    """Return rows (stage, items, seconds, note) for one corpus size."""
    import spacy

    from devtools.fixture_sites import generate
    from indexing.indexer import index_ads
    from linking.run import link
    from models.chain import score_records
    from signaal.settings import get_settings

    prefix = f"bench_chain_{uuid.uuid4().hex[:6]}"
    apply_mappings(es, prefix)
    os.environ["SIGNAAL_INDEX_PREFIX"] = prefix
    get_settings.cache_clear()
    rows: list[tuple[str, int, float, str]] = []
    try:
        started = time.perf_counter()
        ads = list(generate(seed=seed, n_ads=n_ads, epoch=1).ads)
        rows.append(("generate", len(ads), time.perf_counter() - started, "fixture generator"))

        tokenizer = spacy.blank("nl")
        started = time.perf_counter()
        for _ in tokenizer.pipe((f"{a['title']}\n{a['body']}" for a in ads), batch_size=256):
            pass
        rows.append(("baseline: tokenizer", len(ads), time.perf_counter() - started, "spacy.blank('nl') only"))

        started = time.perf_counter()
        scored = list(score_records(ads))
        rows.append(("analyze+score", len(scored), time.perf_counter() - started, "nlp.analyze + models.score"))

        started = time.perf_counter()
        report = index_ads(es, scored, refresh=True)
        rows.append(("index", len(scored), time.perf_counter() - started, f"failed={report.failed}"))

        started = time.perf_counter()
        link_report = link(es, full=True)
        clusters = getattr(link_report, "clusters", "?")
        rows.append(("link (full)", len(scored), time.perf_counter() - started, f"clusters={clusters}"))

        end_to_end = sum(r[2] for r in rows if r[0] not in ("baseline: tokenizer",))
        rows.append(("end to end", len(scored), end_to_end, "generate..link"))

        rng = random.Random(seed)
        phones = [p for a in scored for p in a["entities"]["phones"]]
        ads_alias = get_settings().alias("ads")
        es.indices.refresh(index=ads_alias)
        lat = timed_queries(es, ads_alias, "entities.phones", rng.sample(phones, min(300, len(phones))))
        rows.append(
            (
                "query: ads for phone",
                len(lat),
                sum(lat) / 1000,
                f"p50 {pct(lat, 0.5):.1f} ms, p95 {pct(lat, 0.95):.1f} ms",
            )
        )
        bands = []
        for hit in es.search(index=ads_alias, size=300, _source=["text_minhash.bands"])["hits"]["hits"]:
            bands.extend((hit["_source"].get("text_minhash") or {}).get("bands", [])[:1])
        lat = []
        for band in bands:
            started = time.perf_counter()
            es.search(index=ads_alias, query={"term": {"text_minhash.bands": band}}, size=100, _source=["id"])
            lat.append((time.perf_counter() - started) * 1000)
        if lat:
            rows.append(
                (
                    "query: similar ads",
                    len(lat),
                    sum(lat) / 1000,
                    f"p50 {pct(lat, 0.5):.1f} ms, p95 {pct(lat, 0.95):.1f} ms",
                )
            )
    finally:
        delete_prefix(es, prefix)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, action="append", help="corpus size (repeatable); default 10000")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sizes = args.n or [10_000]
    node = base = None
    if not os.environ.get("SIGNAAL_ES_URL"):
        node, base = start_node()
    es = get_client(component="admin", request_timeout=120)  # the bench's own prefix: created, loaded, removed
    try:
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
        print("| ads | stage | items | seconds | items/s | note |\n|---:|---|---:|---:|---:|---|")
        for n_ads in sizes:
            for stage, items, seconds, note in run_chain(es, n_ads, args.seed):
                rate = items / seconds if seconds and not stage.startswith("query") else 0
                rate_text = f"{rate:,.0f}" if rate else ""
                print(f"| {n_ads:,} | {stage} | {items:,} | {seconds:.2f} | {rate_text} | {note} |", flush=True)
        print(f"\npeak RSS: {peak_rss_mib():.0f} MiB")
    finally:
        es.close()
        if node is not None:
            node.stop()
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
