"""Crawler benchmark: prikbord crawl+analyze+index ads/s vs the fixture server's raw rate; vitrine pages/s;
memory of crawler + browser over a long crawl (trend).

    .venv/bin/python bench/bench_crawler.py                 # ~2,000-ad corpus (1,000 per site)
    .venv/bin/python bench/bench_crawler.py --ads 50000     # the long-crawl memory check

Elasticsearch: SIGNAAL_ES_URL (a throw-away index prefix is created and deleted). Prints a table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SIGNAAL = str(Path(sys.executable).with_name("signaal"))


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0.0


def raw_rate(base_url: str, paths: list[str], seconds: float = 4.0, workers: int = 16) -> dict:
    """Requests/s the fixture server sustains with plain keep-alive clients: the ceiling for the crawler."""
    latencies: list[float] = []
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def worker(offset: int) -> None:
        with httpx.Client(base_url=base_url, timeout=10) as client:
            i = offset
            while time.monotonic() < stop:
                t = time.perf_counter()
                client.get(paths[i % len(paths)])
                with lock:
                    latencies.append(time.perf_counter() - t)
                i += workers

    started = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(worker, range(workers)))
    elapsed = time.monotonic() - started
    return {
        "rps": len(latencies) / elapsed,
        "p50": pct(latencies, 0.5),
        "p95": pct(latencies, 0.95),
        "p99": pct(latencies, 0.99),
    }


def crawl(site: str, base_url: str, var: Path, extra: list[str], env: dict) -> tuple[dict, list[tuple[float, float]]]:
    """Run `signaal crawl` and sample the memory of its whole process tree (PSS, MiB) every second."""
    env = {**env, "SIGNAAL_VAR_DIR": str(var), "SIGNAAL_KEY_DIR": str(var / "keys")}
    args = [SIGNAAL, "crawl", site, "--base-url", base_url, "--no-search", "--log-level", "WARNING", *extra]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    samples: list[tuple[float, float]] = []
    started = time.monotonic()

    def sample() -> None:
        from crawler.extensions import tree_rss

        while proc.poll() is None:
            with contextlib.suppress(psutil.Error):
                samples.append((time.monotonic() - started, tree_rss(proc.pid) / 2**20))
            time.sleep(1.0)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, _ = proc.communicate()
    thread.join()
    lines = out.strip().splitlines()
    if proc.returncode not in (0,) or not lines:
        raise SystemExit(f"crawl of {site} failed (exit {proc.returncode})")
    return json.loads(lines[-1]), samples


def trend(samples: list[tuple[float, float]]) -> str:
    """Memory of the last third vs the middle third: flat means no leak (the first third is warm-up)."""
    mem = [m for _, m in samples]
    if len(mem) < 6:
        return "too short"
    third = len(mem) // 3
    middle, last = statistics.mean(mem[third : 2 * third]), statistics.mean(mem[2 * third :])
    return f"{middle:.0f} -> {last:.0f} MiB ({(last - middle) / middle * 100:+.1f}%)"


def scoring_available() -> bool:
    try:
        import models  # noqa: F401
        import nlp

        return hasattr(nlp, "analyze")
    except Exception:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ads", type=int, default=2000, help="corpus size (both sites); 50000 for the long run")
    parser.add_argument("--vitrine-ads", type=int, default=150, help="ads to crawl on the JS site")
    parser.add_argument("--no-index", action="store_true", help="skip Elasticsearch")
    args = parser.parse_args()

    from signaal.demo_sites import start_sites

    score = scoring_available()
    env = dict(os.environ)
    prefix = f"bench_crawler_{uuid.uuid4().hex[:6]}"
    es = None
    if not args.no_index:
        from signaal.es.client import get_client
        from signaal.es.mappings import apply_mappings

        es = get_client()
        apply_mappings(es, prefix)
        env["SIGNAAL_INDEX_PREFIX"] = prefix
    rows = []
    try:
        with start_sites(seed=7, n_ads=args.ads) as sites, tempfile.TemporaryDirectory() as tmp:
            ads = sites.corpus.site_ads("prikbord")
            paths = [f"/ad/{a['site_ad_id']}" for a in ads[:500]]
            base = raw_rate(sites.prikbord_url, paths)
            images = sum(len(a["images"]) for a in ads) / len(ads)
            per_ad = 1 + images + 1 / 20  # detail page, its images, a share of a listing page
            rows.append(
                (
                    "fixture server raw (16 clients)",
                    f"{base['rps']:.0f} req/s",
                    f"= {base['rps'] / per_ad:.0f} ads/s ceiling",
                    f"p50 {base['p50'] * 1000:.1f} ms, "
                    f"p95 {base['p95'] * 1000:.1f} ms, p99 {base['p99'] * 1000:.1f} ms",
                    "-",
                )
            )

            extra = ([] if score else ["--no-score"]) + (["--no-index"] if args.no_index else [])
            summary, samples = crawl("prikbord", sites.prikbord_url, Path(tmp) / "p", extra, env)
            what = "crawl" + ("+analyze+score" if score else "") + ("" if args.no_index else "+index")
            rows.append(
                (
                    f"prikbord {what} ({summary['ads']} ads)",
                    f"{summary['pages_per_s']} pages/s",
                    f"{summary['ads_per_s']} ads/s (target >= 150)",
                    f"elapsed {summary['elapsed_s']} s",
                    f"peak {max(m for _, m in samples):.0f} MiB; {trend(samples)}",
                )
            )

            summary, samples = crawl(
                "vitrine", sites.vitrine_url, Path(tmp) / "v", [*extra, "--max-ads", str(args.vitrine_ads)], env
            )
            browser_pages = summary["ads"] + summary["ads"] / 20
            rate = browser_pages / summary["elapsed_s"] if summary["elapsed_s"] else 0
            rows.append(
                (
                    f"vitrine browser crawl ({summary['ads']} ads)",
                    f"{rate:.1f} rendered pages/s",
                    f"{summary['ads_per_s']} ads/s (target >= 5 pages/s)",
                    f"elapsed {summary['elapsed_s']} s",
                    f"peak {max(m for _, m in samples):.0f} MiB (incl. chromium)",
                )
            )
    finally:
        if es is not None:
            from signaal.es.mappings import delete_prefix

            delete_prefix(es, prefix)
    print(
        f"\ncrawler benchmark (scoring {'on' if score else 'OFF: nlp/models not importable'}, {os.cpu_count()} cores)\n"
    )
    header = ("run", "rate", "ads", "latency / time", "memory (crawler + browser, PSS)")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
