"""Crawler benchmark: prikbord crawl+analyze+index ads/s vs the fixture server's raw rate; vitrine pages/s;
memory of crawler + browser over a long crawl (trend).

    .venv/bin/python bench/bench_crawler.py                 # ~2,000-ad corpus (1,000 per site)
    .venv/bin/python bench/bench_crawler.py --ads 95000 --no-vitrine --sample-s 2   # memory run, ~48k prikbord ads

Memory is the PSS of the crawler and all its children (scoring worker, browser), sampled with the
crawl's progress (ads done, read from its state store): peak, first vs last quarter of the ads, and the
least-squares slope in MiB per 10,000 ads, also as anonymous PSS (without shared library pages, whose
share in PSS moves when other processes exit). Rates: overall, and steady (10-90 % of the ads). CPU: the
crawler tree's user+system seconds (exact, from rusage once it exited), this process's (it serves the
fixture sites; their photos, the realistic mix of docs/fixture-sites.md, are rendered into the disk cache
before the crawl, so the server reads static files), Elasticsearch's (node stats), and per ad by component
(crawler main thread, image work (the image thread's own CPU clock: decode, hashes, EXIF, UI copy), the
crawler's other threads, scoring worker, server, Elasticsearch), with the sum the goal counts (crawler +
image work + scoring <= 10 ms per ad) and the crawl rate as a share of the server's ceiling in the same run.

Elasticsearch: SIGNAAL_ES_URL (a throw-away index prefix is created and deleted). Prints a table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

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


#: One memory sample: seconds, ads done, MiB PSS of the process tree and of the crawler alone, then the
#: same two as anonymous PSS (what the processes allocated themselves; see pss_and_anon).
Sample = tuple[float, int, float, float, float, float]
SAMPLE_COLUMNS = ["s", "ads", "tree_mib", "crawler_mib", "tree_anon_mib", "crawler_anon_mib"]


def pss_and_anon(pid: int) -> tuple[float, float]:
    """MiB of PSS and of anonymous PSS (``Pss_Anon``: heap, stacks, arenas, no shared-library or other file
    pages), from one read of smaps_rollup. A process's share of shared file pages rises when other
    processes that mapped the same libraries exit, which looks like growth in plain PSS."""
    values = {}
    try:
        with Path(f"/proc/{pid}/smaps_rollup").open() as fh:
            for line in fh:
                key, _, rest = line.partition(":")
                if key in ("Pss", "Pss_Anon"):
                    values[key] = int(rest.split()[0]) / 1024
    except OSError:
        pass
    return values.get("Pss", 0.0), values.get("Pss_Anon", 0.0)


@dataclass
class CrawlRun:
    """One `signaal crawl` subprocess: its summary, memory samples and CPU time."""

    summary: dict
    samples: list[Sample]
    cpu_s: float  # user+system of the crawler and its children (scoring worker, browser)
    server_cpu_s: float  # this process (the fixture sites run in it) during the crawl
    threads: dict[str, float]  # CPU seconds of the crawler's main thread, its other threads, its children
    es_cpu_s: float | None  # the Elasticsearch node's CPU during the crawl (None: not measurable)

    @property
    def peak(self) -> float:
        return max((m[2] for m in self.samples), default=0.0)

    @property
    def peak_crawler(self) -> float:
        return max((m[3] for m in self.samples), default=0.0)


def _ads_done(state_db: Path) -> int:
    """Ads done so far, read from the crawl's state store (read-only; WAL lets us read while it writes)."""
    if not state_db.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{state_db}?mode=ro", uri=True, timeout=1)) as db:
            return db.execute("SELECT COUNT(*) FROM urls WHERE kind = 'detail' AND status != 'pending'").fetchone()[0]
    except sqlite3.Error:
        return 0


def thread_cpu(crawler: psutil.Process, children: list[psutil.Process]) -> dict[str, float]:
    """CPU seconds so far of the crawler's main thread (the event loop), of its other threads together
    (image hashing, index bulk, pool feeders) and of each child process (scoring worker, browser)."""
    own = crawler.threads()
    main = sum(t.user_time + t.system_time for t in own if t.id == crawler.pid)
    out = {"crawler main thread": main, "crawler other threads": sum(t.user_time + t.system_time for t in own) - main}
    for child in children:
        with contextlib.suppress(psutil.Error):
            times = child.cpu_times()
            cmdline = " ".join(child.cmdline())
            name = "scoring worker" if "spawn_main" in cmdline else child.name()
            out[name] = out.get(name, 0.0) + times.user + times.system
    return out


def es_cpu_ms() -> float | None:
    """CPU milliseconds used so far by the Elasticsearch node (one local node: the bench's own)."""
    from signaal.es.client import get_client

    try:
        nodes = get_client(component="admin").nodes.stats(metric="process")["nodes"]
    except Exception:
        return None
    return float(sum(n["process"]["cpu"]["total_in_millis"] for n in nodes.values()))


#: The components the CPU goal counts (crawler + image work + scoring); the server and Elasticsearch are not.
GOAL_PARTS = ("crawler main thread", "image work", "crawler other threads", "scoring worker")
GOAL_MS_PER_AD = 10.0


def cpu_split(run: CrawlRun, ads: int) -> str:
    """CPU milliseconds per ad by component, the goal's sum, the total, and the rate two idle cores allow.

    Image work is the image thread's own CPU clock (crawler.pipelines.images), taken out of "other threads".
    """
    parts = dict(run.threads)
    image_s = float(run.summary.get("image_cpu_s") or 0.0)
    parts["image work"] = image_s
    parts["crawler other threads"] = max(0.0, parts.get("crawler other threads", 0.0) - image_s)
    parts["fixture server"] = run.server_cpu_s
    if run.es_cpu_s is not None:
        parts["Elasticsearch"] = run.es_cpu_s
    per_ad = {name: 1000 * cpu / ads for name, cpu in parts.items() if cpu > 0}
    total = sum(per_ad.values())
    goal = sum(per_ad.get(name, 0.0) for name in GOAL_PARTS)
    shown = sorted(((name, ms) for name, ms in per_ad.items() if ms >= 0.05), key=lambda kv: -kv[1])
    listed = ", ".join(f"{name} {ms:.1f}" for name, ms in shown)  # helpers like the resource tracker: ~0
    photos = int(run.summary.get("images_fetched") or 0)
    per_photo = f"; image work {1000 * image_s / photos:.1f} ms per photo over {photos}" if photos else ""
    return (
        f"{listed}; crawler + image work + scoring {goal:.1f} ms per ad (goal <= {GOAL_MS_PER_AD:.0f}){per_photo}; "
        f"all {total:.1f} ms per ad -> at most {2000 / total:.0f} ads/s on 2 idle cores"
    )


def _children_cpu() -> float:
    """User+system seconds of this process's reaped children (and theirs): the crawler, its scoring worker
    and its browser, once the crawl has ended."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def crawl(site: str, base_url: str, var: Path, extra: list[str], env: dict, every_s: float = 1.0) -> CrawlRun:
    """Run `signaal crawl`, sampling the memory of its whole process tree (PSS, MiB), its CPU and its progress."""
    env = {**env, "SIGNAAL_VAR_DIR": str(var), "SIGNAAL_KEY_DIR": str(var / "keys")}
    args = [SIGNAAL, "crawl", site, "--base-url", base_url, "--no-search", "--log-level", "WARNING", *extra]
    server_cpu, crawler_cpu = time.process_time(), _children_cpu()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    samples: list[Sample] = []
    state_db = var / "crawl-state" / f"{Path(site).stem}.sqlite"  # a site is a name or a YAML file's path
    started = time.monotonic()

    threads: dict[str, float] = {}
    es_cpu = es_cpu_ms()

    def sample() -> None:
        while proc.poll() is None:
            with contextlib.suppress(psutil.Error):
                crawler = psutil.Process(proc.pid)
                children = crawler.children(recursive=True)
                own, own_anon = pss_and_anon(crawler.pid)
                others = [pss_and_anon(child.pid) for child in children]
                tree, tree_anon = own + sum(p for p, _ in others), own_anon + sum(a for _, a in others)
                samples.append((time.monotonic() - started, _ads_done(state_db), tree, own, tree_anon, own_anon))
                # CPU counters only grow, and threads end before the process: keep each one's maximum.
                for name, cpu in thread_cpu(crawler, children).items():
                    threads[name] = max(cpu, threads.get(name, 0.0))
            time.sleep(every_s)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, _ = proc.communicate()
    thread.join()
    server_cpu, crawler_cpu = time.process_time() - server_cpu, _children_cpu() - crawler_cpu
    es_after = es_cpu_ms()
    es_cpu_s = (es_after - es_cpu) / 1000 if es_cpu is not None and es_after is not None else None
    lines = out.strip().splitlines()
    if proc.returncode not in (0,) or not lines:
        raise SystemExit(f"crawl of {site} failed (exit {proc.returncode})")
    return CrawlRun(json.loads(lines[-1]), samples, crawler_cpu, server_cpu, threads, es_cpu_s)


def steady_rate(samples: list[Sample]) -> float:
    """Ads per second between 10 % and 90 % of the ads done: the crawl's throughput without the fixed
    start-up (process, spaCy in the scoring worker, first pages) and the final flush to Elasticsearch."""
    total = max((s[1] for s in samples), default=0)
    inside = [(t, a) for t, a, *_ in samples if total / 10 <= a <= total * 9 / 10]
    if len(inside) < 2 or inside[-1][0] <= inside[0][0]:
        return 0.0
    return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])


def trend(samples: list[Sample], column: int = 2) -> str:
    """Memory over crawl progress: mean of the first vs the last quarter of the ads, and the slope
    (least squares, after the first 10 % of ads as warm-up) in MiB per 10,000 ads. Flat means no leak.
    ``column`` indexes SAMPLE_COLUMNS: 2/3 PSS of the tree / the crawler alone, 4/5 the same as anonymous PSS."""
    total = max((s[1] for s in samples), default=0)
    if total < 40 or len(samples) < 8:
        return "too short for a trend"
    first = [s[column] for s in samples if s[1] <= total / 4]
    last = [s[column] for s in samples if s[1] >= total * 3 / 4]
    warm = [(s[1], s[column]) for s in samples if s[1] >= total / 10]
    slope = 0.0
    if len(warm) >= 2 and len({a for a, _ in warm}) > 1:
        slope = statistics.linear_regression([a for a, _ in warm], [m for _, m in warm]).slope * 10_000
    return f"Q1 {statistics.mean(first):.0f} -> Q4 {statistics.mean(last):.0f} MiB, slope {slope:+.1f} MiB/10k ads"


def _old_browser_site(var: Path) -> tuple[str, list[str]]:
    """The vitrine browser setup before tuning, for a same-run baseline: the full chromium in its new
    headless mode, Playwright's wait_for_selector, 4 pages at a time (a site file + --set overrides)."""
    import yaml

    from crawler.config import SITES_DIR
    from signaal.chromium import CHROMIUM_PATH, LAUNCH_ARGS

    data = yaml.safe_load((SITES_DIR / "vitrine.yaml").read_text())
    step = {"method": "wait_for_selector", "args": ["body[data-ready='1']"], "kwargs": {"state": "attached"}}
    data["browser"].update(listing_wait=[step], detail_wait=[step])
    data["politeness"].update(concurrency=4, autothrottle_target_concurrency=4)
    var.mkdir(parents=True, exist_ok=True)
    path = var / "vitrine-baseline.yaml"
    path.write_text(yaml.safe_dump(data))
    launch = {"executable_path": CHROMIUM_PATH, "headless": True, "args": LAUNCH_ARGS}
    return str(path), ["--set", f"PLAYWRIGHT_LAUNCH_OPTIONS={json.dumps(launch)}"]


def vitrine_rows(sites, tmp: Path, extra: list[str], env: dict, n_ads: int, baseline: bool) -> list[tuple]:
    """The JavaScript site in chromium (tuned, and the pre-tuning setup as a same-run baseline) and the
    same site read through its JSON API (render: json). Rates count rendered pages (details + their
    share of listing pages; images are fetched over plain HTTP); "steady" is detail pages per second
    between 10 % and 90 % of the ads (without browser start-up and the discovery of listing pages,
    which browser sites finish first); per CPU-s is the crawler tree's CPU
    (crawler, Playwright driver, chromium) plus the fixture server's, the honest measure on shared cores."""
    from signaal.chromium import crawler_executable

    runs = [("vitrine", f"vitrine browser crawl ({Path(crawler_executable()).name})", [])]
    if baseline:
        path, sets = _old_browser_site(tmp / "vb")
        runs.append((path, "vitrine browser, before tuning (chromium new headless)", sets))
    rows = []
    for site, label, sets in runs:
        run = crawl(site, sites.vitrine_url, tmp / f"v{len(rows)}", [*extra, "--max-ads", str(n_ads), *sets], env)
        summary = run.summary
        pages = summary["ads"] * (1 + 1 / 20)
        rate = pages / summary["elapsed_s"] if summary["elapsed_s"] else 0
        per_cpu = pages / (run.cpu_s + run.server_cpu_s)
        rows.append(
            (
                f"{label} ({summary['ads']} ads)",
                f"{rate:.1f} rendered pages/s overall, {steady_rate(run.samples):.1f} steady (target >= 5)",
                f"{summary['ads_per_s']} ads/s; {per_cpu:.2f} pages per CPU-s = "
                f"{per_cpu * (os.cpu_count() or 1):.1f} pages/s on {os.cpu_count()} idle cores",
                f"elapsed {summary['elapsed_s']} s; crawler+browser {run.cpu_s:.0f} CPU-s, "
                f"server {run.server_cpu_s:.0f} CPU-s",
                f"peak {run.peak:.0f} MiB (incl. chromium)",
            )
        )
    n_api = len(sites.corpus.site_ads("vitrine"))
    run = crawl("vitrine-api", sites.vitrine_url, tmp / "va", [*extra, "--max-ads", str(n_api)], env)
    summary = run.summary
    pages = summary["ads"] * (1 + 1 / 20)
    per_cpu = pages / (run.cpu_s + run.server_cpu_s)
    rows.append(
        (
            f"vitrine JSON API, render: json ({summary['ads']} ads)",
            f"{pages / summary['elapsed_s']:.1f} API pages/s",
            f"{summary['ads_per_s']} ads/s; {per_cpu:.1f} pages per CPU-s",
            f"elapsed {summary['elapsed_s']} s; crawler {run.cpu_s:.0f} CPU-s, server {run.server_cpu_s:.0f} CPU-s",
            f"peak {run.peak:.0f} MiB",
        )
    )
    return rows


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
    parser.add_argument("--no-vitrine", action="store_true", help="prikbord only (e.g. the 50,000-ad memory run)")
    parser.add_argument("--vitrine-only", action="store_true", help="only the JavaScript site and its JSON API")
    parser.add_argument("--no-vitrine-baseline", action="store_true", help="skip the pre-tuning browser baseline")
    parser.add_argument("--sample-s", type=float, default=1.0, help="memory/progress sampling interval")
    parser.add_argument("--samples", type=Path, help="also write the prikbord memory samples here (JSON)")
    args = parser.parse_args()

    from devtools.fixture_sites import start_sites

    score = scoring_available()
    env = dict(os.environ)
    prefix = f"bench_crawler_{uuid.uuid4().hex[:6]}"
    es = None
    if not args.no_index:
        from signaal.es.client import get_client
        from signaal.es.mappings import apply_mappings

        es = get_client(component="admin")  # creates and later deletes the bench's prefix
        apply_mappings(es, prefix)
        env["SIGNAAL_INDEX_PREFIX"] = prefix
    rows = []
    load_before = os.getloadavg()
    try:
        with start_sites(seed=7, n_ads=args.ads) as sites, tempfile.TemporaryDirectory() as tmp:
            extra = ([] if score else ["--no-score"]) + (["--no-index"] if args.no_index else [])
            if not args.vitrine_only:
                ads = sites.corpus.site_ads("prikbord")
                drawn_note = (
                    f"{sites.photos_rendered} photos rendered into the disk cache at start"
                    if sites.photos_rendered
                    else "photos read from the disk cache"
                )
                paths = [
                    urlsplit(url).path for a in ads[:500] for url in (a["url"], *a["images"])
                ]  # detail page, then its photos
                base = raw_rate(sites.prikbord_url, paths)
                images = sum(len(a["images"]) for a in ads) / len(ads)
                per_ad = 1 + images + 1 / 20  # detail page, its images, a share of a listing page
                ceiling = base["rps"] / per_ad
                rows.append(
                    (
                        f"fixture server raw (16 clients; detail pages + photos; {drawn_note})",
                        f"{base['rps']:.0f} req/s",
                        f"= {ceiling:.0f} ads/s ceiling",
                        f"p50 {base['p50'] * 1000:.1f} ms, "
                        f"p95 {base['p95'] * 1000:.1f} ms, p99 {base['p99'] * 1000:.1f} ms",
                        "-",
                    )
                )

                run = crawl("prikbord", sites.prikbord_url, Path(tmp) / "p", extra, env, every_s=args.sample_s)
                if args.samples:
                    args.samples.write_text(json.dumps({"columns": SAMPLE_COLUMNS, "samples": run.samples}))
                summary = run.summary
                what = "crawl" + ("+analyze+score" if score else "") + ("" if args.no_index else "+index")
                steady = steady_rate(run.samples)
                rows.append(
                    (
                        f"prikbord {what} ({summary['ads']} ads)",
                        f"{summary['pages_per_s']} pages/s",
                        f"{steady:.1f} ads/s steady (10-90 % of ads; target >= 150) = {100 * steady / ceiling:.0f} % "
                        f"of the server's ceiling, {summary['ads_per_s']} overall; "
                        f"{summary['ads'] / run.cpu_s:.0f} ads per crawler CPU-s",
                        f"elapsed {summary['elapsed_s']} s; crawler {run.cpu_s:.0f} CPU-s, "
                        f"server {run.server_cpu_s:.0f} CPU-s",
                        f"PSS peak {run.peak:.0f} MiB (crawler process {run.peak_crawler:.0f}), {trend(run.samples)}; "
                        f"anonymous PSS: {trend(run.samples, 4)}, crawler process alone {trend(run.samples, 5)}",
                    )
                )
                rows.append(("  CPU ms per ad, by component", "", cpu_split(run, summary["ads"]), "", ""))

            if not args.no_vitrine:
                rows += vitrine_rows(sites, Path(tmp), extra, env, args.vitrine_ads, not args.no_vitrine_baseline)
    finally:
        if es is not None:
            from signaal.es.mappings import delete_prefix

            delete_prefix(es, prefix)
    load = "/".join(f"{x:.1f}" for x in load_before)
    print(
        f"\ncrawler benchmark (scoring {'on' if score else 'OFF: nlp/models not importable'}, {os.cpu_count()} cores, "
        f"load average before {load}, after {'/'.join(f'{x:.1f}' for x in os.getloadavg())})\n"
    )
    header = ("run", "rate", "ads", "latency / time", "memory (crawler + browser, PSS)")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
