"""Triage UI under load: queue, ad-detail, network and archived pages, 20 concurrent users, server time p50/p95.

    .venv/bin/python bench/bench_ui.py                     # 10,000 ads, 20 users, 20 s
    .venv/bin/python bench/bench_ui.py --ads 100000 --duration 60
    .venv/bin/python bench/bench_ui.py --no-views          # queue and ad pages only

Loads synthetic scored ads (``indexing.synthetic.scored_ad`` through ``index_ads``)
into a fresh prefix, starts ``signaal ui`` as a separate process on 127.0.0.1 and lets N
signed-in users (threads with httpx) alternate queue pages (with random filters) and ad
pages for a fixed time. Server time comes from the app's ``Server-Timing`` header; the
baseline row is the same queue search and ad GET sent straight to Elasticsearch by the
same N threads (no think time), i.e. the floor the UI adds its work to. Users pause
``--think`` seconds (+-50 %) between pages like someone reading an ad; ``--think 0`` is a
closed loop that measures saturation instead. Target (issue 7): p95 <= 150 ms.

Investigators' views (issue 18, ``--views``, on by default): a network of 200 ads (shared phones and
photos, similarity links in the links index) whose page draws the graph and the map, and an archived
page of ~500 KB with three photos in a real sealed WARC file (the crawler's writer). Targets: network
page p95 <= 300 ms, archived page p95 <= 200 ms (viewer and sandboxed frame each). Baselines in the same
run: the network's Elasticsearch reads alone, and reading + checking the WARC record alone (in process).
The network's first view (graph layout not yet cached) is reported on its own row.
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
NETWORK, NETWORK_ADS, ARCHIVED = "benchnet", 200, "benchnet:archived"
ARCHIVED_PAGE_BYTES = 500_000


def pct(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def start_node():
    """A throw-away single node (security on); its URL and credentials go into the environment."""
    from devtools.es_node.cluster import LocalCluster
    from devtools.es_node.distribution import ensure_distribution
    from signaal.paths import var_dir
    from signaal.settings import get_settings

    base = Path(tempfile.mkdtemp(prefix="bench-ui-", dir=var_dir()))
    base.chmod(0o755)
    node = LocalCluster(ensure_distribution(), base, heap="2g", cluster_name="bench", free_ports=True)
    node.start()
    os.environ.update(node.env())
    get_settings.cache_clear()
    return node, base


def load(es, prefix: str, n: int) -> float:
    from indexing.indexer import index_ads
    from indexing.synthetic import scored_ad

    started = time.perf_counter()
    report = index_ads(es, (scored_ad(i, site="benchsite") for i in range(n)), prefix=prefix, refresh=True)
    es.indices.forcemerge(index=alias("ads", prefix), max_num_segments=1)
    print(f"indexed {n} ads in {time.perf_counter() - started:.1f}s ({report})")
    return time.perf_counter() - started


def load_network(es, prefix: str) -> None:
    """200 ads in one network: 10 shared phones, 40 shared photos, 60 near-identical text and 40 similar-photo
    links, spread over 8 weeks and the synthetic cities."""
    from elasticsearch.helpers import bulk

    from indexing.indexer import index_ads
    from indexing.synthetic import fictional_phone, scored_ad

    ads = []
    for i in range(NETWORK_ADS):
        ad = scored_ad(i, site=NETWORK)
        ad["entities"]["phones"] = [fictional_phone(900 + i // 20)]
        ad["entities"]["genders"] = [["female", "male", "trans"][i % 3]] if i % 4 else []
        ad["images"][0]["sha256"] = f"{i // 5:064x}"
        ad["crawl"]["first_seen"] = f"2026-{10 + i // 100:02d}-{1 + i % 28:02d}T10:00:00Z"
        ads.append(ad)
    index_ads(es, ads, prefix=prefix, refresh=True)
    ids = [ad["id"] for ad in ads]
    actions = [
        {
            "_op_type": "update",
            "_index": alias("ads", prefix),
            "_id": i,
            "doc": {"cluster": {"id": NETWORK, "size": 200}},
        }
        for i in ids
    ]
    links = [("text", ids[j], ids[j + 1], {"similarity": 0.85}) for j in range(0, 180, 3)]
    links += [("image_phash", ids[j], ids[j + 7], {"distance": 5}) for j in range(0, 160, 4)]
    actions += [
        {
            "_index": alias("links", prefix),
            "_id": f"{kind}-{a}-{b}",
            "_source": {"kind": kind, "ad_ids": [a, b], "cluster_id": NETWORK, **extra},
        }
        for kind, a, b, extra in links
    ]
    bulk(es, actions, refresh="wait_for")


def archived_fixture(es, prefix: str, root: Path) -> tuple[Path, Path]:
    """A ~500 KB page and three photos sealed in a real WARC file; an ad pointing at them. Returns
    (evidence dir, public key)."""
    import io

    from PIL import Image

    from crawler.evidence.warcstore import WarcStore
    from signaal.evidence.seal import PUBLIC_NAME

    rng = random.Random(18)
    photos = []
    for n in range(3):
        image = Image.effect_noise((800, 600), 40 + 10 * n).convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=80)
        photos.append((f"http://127.0.0.1:9/img/{n}.jpg", buffer.getvalue()))
    rows, size = [], 0
    while size < ARCHIVED_PAGE_BYTES:
        href, city = rng.randrange(10**6), rng.choice(CITIES)
        row = f'<li class="ad-card"><a href="/ad/{href}">Listing {len(rows)}</a> <span>{city}</span></li>'
        rows.append(row)
        size += len(row)
    images = "".join(f'<img class="photo" src="{url}">' for url, _ in photos)
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Bench</title></head><body>"
        f"<article>{images}</article><ul>{''.join(rows)}</ul><script>alert(1)</script></body></html>"
    )
    store = WarcStore(root / "evidence", "benchsite", key_dir=root / "keys")
    evidence = store.write(
        "http://127.0.0.1:9/ad/archived", page.encode(), headers=[("Content-Type", "text/html; charset=utf-8")]
    )
    records = [store.write(url, data, headers=[("Content-Type", "image/jpeg")]) for url, data in photos]
    store.close()
    doc = {
        "id": ARCHIVED,
        "site": NETWORK,
        "title": "archived page bench",
        "crawl": {"version": 1},
        "evidence": evidence.as_dict(),
        "images": [
            {"url": url, "sha256": r.sha256, "warc_record_id": r.record_id}
            for (url, _), r in zip(photos, records, strict=True)
        ],
    }
    es.index(index=alias("ads", prefix), id=ARCHIVED, document=doc, refresh="wait_for")
    return root / "evidence", root / "keys" / PUBLIC_NAME


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
        "--views",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the network page (graph + map, 200 ads) and the archived page (~500 KB)",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="seconds a user reads before the next page (0 = closed loop, saturation)",
    )
    args = parser.parse_args()

    node = base_dir = None
    if not os.environ.get("SIGNAAL_ES_URL"):
        node, base_dir = start_node()
    es = get_client(component="admin")  # the bench's own prefix: created, loaded, removed
    prefix = f"bench_ui_{uuid.uuid4().hex[:6]}"
    apply_mappings(es, prefix)
    proc = None
    scratch = Path(tempfile.mkdtemp(prefix="bench-ui-views-"))
    try:
        load(es, prefix, args.ads)
        views_env: dict[str, str] = {}
        if args.views:
            load_network(es, prefix)
            evidence_dir, public_key = archived_fixture(es, prefix, scratch)
            views_env = {"SIGNAAL_UI_EVIDENCE_DIR": str(evidence_dir), "SIGNAAL_UI_PUBLIC_KEY": str(public_key)}
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
        ui_env = {"SIGNAAL_INDEX_PREFIX": prefix, **views_env}  # ES URL and credentials: inherited
        ui = proc = start_ui_process(port, ui_env, workers=args.workers)
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
        if args.views:
            from signaal.evidence.records import EvidenceReader
            from triage_ui.routers.networks import MAX_ADS

            reader = EvidenceReader(evidence_dir, public_key)
            archived_ev = es.get(index=alias("ads", prefix), id=ARCHIVED)["_source"]["evidence"]

            def views_es_step(i, rng, record):
                t0 = time.perf_counter()
                net = es.search(index=alias("ads", prefix), query={"term": {"cluster.id": NETWORK}}, size=MAX_ADS)
                ids_ = [h["_id"] for h in net["hits"]["hits"]]
                es.search(index=alias("links", prefix), query={"terms": {"ad_ids": ids_}}, size=10_000)
                ms = (time.perf_counter() - t0) * 1000
                record("network", ms, ms)
                t0 = time.perf_counter()
                reader.read(archived_ev["record_id"], archived_ev["warc_file"], expected_sha256=archived_ev["sha256"])
                ms = (time.perf_counter() - t0) * 1000
                record("archive", ms, ms)

            baseline.update(run_users(args.users, args.duration / 2, views_es_step))

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
        if args.views:

            def timed(client, kind, url, record):
                t0 = time.perf_counter()
                resp = client.get(url)
                client_ms = (time.perf_counter() - t0) * 1000
                assert resp.status_code == 200, (url, resp.status_code)
                record(kind, float(resp.headers["server-timing"].split("dur=")[1]), client_ms)

            first: dict[str, list[tuple[float, float]]] = {}
            timed(
                clients[0],
                "network first view",
                f"/networks/{NETWORK}",
                lambda k, s_, c: first.setdefault(k, []).append((s_, c)),
            )

            def views_step(i, rng, record):
                for kind, url in (
                    ("network", f"/networks/{NETWORK}"),
                    ("archive viewer", f"/ads/{ARCHIVED}/archive"),
                    ("archive frame", f"/ads/{ARCHIVED}/archive/frame"),
                ):
                    timed(clients[i], kind, url, record)
                    time.sleep(rng.uniform(0.5, 1.5) * args.think)
                if i == 0:
                    peak[0] = max(peak[0], rss())

            measured.update(first)
            measured.update(run_users(args.users, args.duration, views_step))

        load1, load5, _ = os.getloadavg()
        print(
            f"\n{args.ads} ads, {args.users} concurrent users, think {args.think:.1f}s, "
            f"{args.duration:.0f}s per phase, {args.workers} UI worker(s) (production settings, TLS), "
            f"UI peak RSS {peak[0] / 2**20:.0f} MiB, load average {load1:.1f} / {load5:.1f} (1 / 5 min)"
        )
        print(
            f"{'page':<22}{'requests':>9}{'req/s':>8}{'p50 server':>12}{'p95 server':>12}{'p95 client':>12}"
            f"{'target':>9}"
        )
        rows = [
            ("queue (ES baseline)", baseline.get("queue", []), args.duration / 2, None),
            ("ad (ES baseline)", baseline.get("ad", []), args.duration / 2, None),
            ("queue page", measured.get("queue", []), args.duration, 150),
            ("ad detail page", measured.get("ad", []), args.duration, 150),
        ]
        if args.views:
            rows += [
                ("network (ES baseline)", baseline.get("network", []), args.duration / 2, None),
                ("WARC read (baseline)", baseline.get("archive", []), args.duration / 2, None),
                ("network first view", measured.get("network first view", []), args.duration, 300),
                ("network page", measured.get("network", []), args.duration, 300),
                ("archive viewer", measured.get("archive viewer", []), args.duration, 200),
                ("archive frame", measured.get("archive frame", []), args.duration, 200),
            ]
        for label, data, secs, limit in rows:
            server, client = [s for s, _ in data], [c for _, c in data]
            target = "" if limit is None else ("ok" if pct(server, 95) <= limit else "MISS")
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
        shutil.rmtree(scratch, ignore_errors=True)
        es.close()
        if node is not None:
            node.stop()
            shutil.rmtree(base_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
