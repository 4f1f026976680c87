"""Triage UI under load: queue and ad-detail pages, 20 concurrent users, server time p50/p95.

    .venv/bin/python bench/bench_ui.py                     # 10,000 ads, 20 users, 20 s
    .venv/bin/python bench/bench_ui.py --ads 100000 --duration 60

Loads synthetic scored ads (``indexing.synthetic.scored_ad`` through ``index_ads``)
into a fresh prefix, starts ``signaal ui`` as a separate process on 127.0.0.1 and lets N
signed-in users (threads with httpx) alternate queue pages (with random filters) and ad
pages for a fixed time. Server time comes from the app's ``Server-Timing`` header; the
baseline row is the same queue search and ad GET sent straight to Elasticsearch by the
same N threads (no think time), i.e. the floor the UI adds its work to. Users pause
``--think`` seconds (+-50 %) between pages like someone reading an ad; ``--think 0`` is a
closed loop that measures saturation instead. Target (issue 7): p95 <= 150 ms.
Uses ``SIGNAAL_ES_URL`` when set, else starts its own node.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools.es_node.node import free_port  # noqa: E402
from signaal.es.client import get_client  # noqa: E402
from signaal.es.mappings import apply_mappings, delete_prefix  # noqa: E402
from signaal.settings import alias  # noqa: E402
from triage_ui.launch import add_enrolled_user, signed_in_client, start_ui_process  # noqa: E402

PASSWORD = "bench password 1234"
CITIES = ["Utrecht", "Rotterdam", "Amsterdam", "Den Haag", "Eindhoven", "Groningen"]


def pct(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def start_node():
    from devtools.es_node.distribution import ensure_distribution
    from devtools.es_node.node import LocalElasticsearch
    from signaal.paths import var_dir

    base = Path(tempfile.mkdtemp(prefix="bench-ui-", dir=var_dir()))
    base.chmod(0o755)
    node = LocalElasticsearch(ensure_distribution(), base, port=free_port(), heap="2g", cluster_name="bench")
    node.start()
    return node, base


def load(es, prefix: str, n: int) -> float:
    from indexing.indexer import index_ads
    from indexing.synthetic import scored_ad

    started = time.perf_counter()
    report = index_ads(es, (scored_ad(i, site="benchsite") for i in range(n)), prefix=prefix, refresh=True)
    es.indices.forcemerge(index=alias("ads", prefix), max_num_segments=1)
    print(f"indexed {n} ads in {time.perf_counter() - started:.1f}s ({report})")
    return time.perf_counter() - started


def run_users(n_users: int, duration: float, step) -> dict[str, list[tuple[float, float]]]:
    """Run ``step(i, rng, record)`` in ``n_users`` threads for ``duration`` seconds."""
    results: dict[str, list[tuple[float, float]]] = {}
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def record(kind: str, server_ms: float, client_ms: float) -> None:
        with lock:
            results.setdefault(kind, []).append((server_ms, client_ms))

    def worker(i: int) -> None:
        rng = random.Random(i)
        while time.monotonic() < stop:
            step(i, rng, record)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n_users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ads", type=int, default=10_000, help="ads to index (issue target: 100000)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1, help="UI worker processes (signaal ui --workers)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="seconds a user reads before the next page (0 = closed loop, saturation)",
    )
    args = parser.parse_args()

    node = base_dir = None
    es_url = os.environ.get("SIGNAAL_ES_URL")
    if not es_url:
        node, base_dir = start_node()
        es_url = node.url
    es = get_client(es_url)
    prefix = f"bench_ui_{uuid.uuid4().hex[:6]}"
    apply_mappings(es, prefix)
    proc = None
    try:
        load(es, prefix, args.ads)
        ids = [f"benchsite:{i}" for i in range(args.ads)]
        ids = [
            h["_id"]
            for h in es.search(
                index=alias("ads", prefix), size=min(args.ads, 5000), source=False, query={"match_all": {}}
            )["hits"]["hits"]
        ] or ids
        from triage_ui.config import UISettings
        from triage_ui.context import UIContext
        from triage_ui.store.indices import ensure_ui_indices

        ensure_ui_indices(es, prefix)
        port = free_port()
        ui = proc = start_ui_process(
            port, {"SIGNAAL_ES_URL": es_url, "SIGNAAL_INDEX_PREFIX": prefix}, workers=args.workers
        )
        ctx = UIContext(es, prefix, UISettings(secret_key=ui.secret))
        seeds = [add_enrolled_user(ctx, f"bench{i}", "analyst", PASSWORD) for i in range(args.users)]

        # Baseline: the same queue query and ad GET straight to Elasticsearch.
        from triage_ui.store import ads as ads_store

        def es_step(i, rng, record):
            t0 = time.perf_counter()
            filters = ads_store.QueueFilters(city=rng.choice([None, *CITIES]))
            ads_store.queue_page(ctx, filters, f"bench{i}", size=50)
            ms = (time.perf_counter() - t0) * 1000
            record("queue", ms, ms)
            t0 = time.perf_counter()
            es.get(index=alias("ads", prefix), id=rng.choice(ids))
            ms = (time.perf_counter() - t0) * 1000
            record("ad", ms, ms)

        baseline = run_users(args.users, args.duration / 2, es_step)

        ui_procs = [psutil.Process(ui.proc.pid), *psutil.Process(ui.proc.pid).children(recursive=True)]
        clients = [signed_in_client(ui, f"bench{i}", PASSWORD, seeds[i]) for i in range(args.users)]

        def rss() -> int:
            return sum(p.memory_info().rss for p in ui_procs if p.is_running())

        peak = [rss()]

        def ui_step(i, rng, record):
            client = clients[i]
            city = rng.choice([None, *CITIES])
            for kind, url, params in (
                ("queue", "/queue", {"city": city} if city else {}),
                ("ad", f"/ads/{rng.choice(ids)}", {}),
            ):
                t0 = time.perf_counter()
                resp = client.get(url, params=params)
                client_ms = (time.perf_counter() - t0) * 1000
                assert resp.status_code == 200, (url, resp.status_code)
                server_ms = float(resp.headers["server-timing"].split("dur=")[1])
                record(kind, server_ms, client_ms)
                time.sleep(rng.uniform(0.5, 1.5) * args.think)
            if i == 0:
                peak[0] = max(peak[0], rss())

        run_users(args.users, 3, ui_step)  # warm-up, not measured
        measured = run_users(args.users, args.duration, ui_step)

        print(
            f"\n{args.ads} ads, {args.users} concurrent users, think {args.think:.1f}s, "
            f"{args.duration:.0f}s per phase, {args.workers} UI worker(s) (production settings, TLS), "
            f"UI peak RSS {peak[0] / 2**20:.0f} MiB"
        )
        print(
            f"{'page':<22}{'requests':>9}{'req/s':>8}{'p50 server':>12}{'p95 server':>12}{'p95 client':>12}"
            f"{'target':>9}"
        )
        for label, data, secs in (
            ("queue (ES baseline)", baseline.get("queue", []), args.duration / 2),
            ("ad (ES baseline)", baseline.get("ad", []), args.duration / 2),
            ("queue page", measured.get("queue", []), args.duration),
            ("ad detail page", measured.get("ad", []), args.duration),
        ):
            server, client = [s for s, _ in data], [c for _, c in data]
            target = "" if "baseline" in label else ("ok" if pct(server, 95) <= 150 else "MISS")
            print(
                f"{label:<22}{len(data):>9}{len(data) / secs:>8.1f}{pct(server, 50):>10.1f}ms"
                f"{pct(server, 95):>10.1f}ms{pct(client, 95):>10.1f}ms{target:>9}"
            )
        for client in clients:
            client.close()
    finally:
        if proc is not None:
            proc.stop()
        delete_prefix(es, prefix)
        es.close()
        if node is not None:
            node.stop()
            shutil.rmtree(base_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
