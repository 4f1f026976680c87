"""Fixture sites on loopback: requests/s, latency and memory, against a trivial stdlib server in the same run.

    .venv/bin/python bench/bench_fixture_server.py                 # 2,000 ads, 10 s per row, 8 client threads
    .venv/bin/python bench/bench_fixture_server.py --seconds 5 --threads 16 --gen-ads 100000

The sites run in their own process (`signaal demo-sites serve`), as they do for a crawl, and the load comes
from this process: a bounded loop of N threads, each with one keep-alive HTTP/1.1 connection, cycling over
the URLs of a row until the time is up. The baseline is a ``ThreadingHTTPServer`` that answers every request
with a fixed page of the same size as a detail page: the ceiling for a stdlib server on this machine.
A last row times ``generate()`` itself (the benchmarks of other parts generate 100,000 ads).
Client and server share the machine's cores, so numbers are a floor for what a crawler on another host sees.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASELINE_SERVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
BODY = b"x" * int(sys.argv[2])
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
    def log_message(self, *a):
        pass
ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer.request_queue_size = 256
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, proc: subprocess.Popen, timeout: float = 1800) -> None:
    """Wait for the port; the first start of a corpus renders its photos into the disk cache (minutes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early: {proc.stderr.read() if proc.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server on port {port} did not start")


def load(port: int, paths: list[str], threads: int, seconds: float) -> dict[str, float]:
    """Hammer ``paths`` for ``seconds`` with ``threads`` keep-alive clients; return rate and latencies."""
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    deadline = time.perf_counter() + seconds

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        n = i
        while time.perf_counter() < deadline:
            path = paths[n % len(paths)]
            n += threads
            t0 = time.perf_counter()
            try:
                conn.request("GET", path)
                res = conn.getresponse()
                res.read()
                if res.status != 200:
                    errors[i] += 1
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            latencies[i].append(time.perf_counter() - t0)
        conn.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    flat = sorted(x for per in latencies for x in per)
    qs = statistics.quantiles(flat, n=100) if len(flat) > 1 else [flat[0]] * 99
    return {
        "requests": len(flat),
        "rps": len(flat) / elapsed,
        "p50": qs[49] * 1000,
        "p95": qs[94] * 1000,
        "errors": sum(errors),
    }


def rss_mib(proc: subprocess.Popen) -> float:
    try:
        return psutil.Process(proc.pid).memory_info().rss / 2**20
    except psutil.NoSuchProcess:
        return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-ads", type=int, default=2000, help="ads served (both sites)")
    parser.add_argument("--seconds", type=float, default=10.0, help="load time per row")
    parser.add_argument("--threads", type=int, default=8, help="client threads (keep-alive connections)")
    parser.add_argument("--gen-ads", type=int, default=100_000, help="ads for the generate() row (0 = skip)")
    args = parser.parse_args()

    from devtools.fixture_sites import generate

    corpus = generate(seed=7, n_ads=args.n_ads)
    p_ids = [ad["site_ad_id"] for ad in corpus.site_ads("prikbord")]
    v_ids = [ad["site_ad_id"] for ad in corpus.site_ads("vitrine")]
    photos = ["/" + url.split("/", 3)[3] for ad in corpus.site_ads("prikbord")[:200] for url in ad["images"]]
    pages = max(1, len(p_ids) // 20)

    p_port, v_port, b_port = free_port(), free_port(), free_port()
    signaal = str(Path(sys.executable).with_name("signaal"))
    sites = subprocess.Popen(
        [
            signaal,
            "demo-sites",
            "serve",
            "--n-ads",
            str(args.n_ads),
            "--prikbord-port",
            str(p_port),
            "--vitrine-port",
            str(v_port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    detail_size = 2500
    baseline = subprocess.Popen(
        [sys.executable, "-c", BASELINE_SERVER, str(b_port), str(detail_size)], stderr=subprocess.PIPE, text=True
    )
    rows = []
    try:
        wait_for(p_port, sites)
        wait_for(v_port, sites)
        wait_for(b_port, baseline)
        plan = [
            ("baseline: stdlib fixed page", b_port, [f"/ad/{i}" for i in p_ids], baseline),
            ("prikbord detail /ad/<id>", p_port, [f"/ad/{i}" for i in p_ids], sites),
            ("prikbord listing /ads?page=N", p_port, [f"/ads?page={n}" for n in range(1, pages + 1)], sites),
            ("prikbord search /search?q=", p_port, ["/search?q=utrecht", "/search?q=hotel", "/search?q=24%2F7"], sites),
            ("prikbord photo /img/<id>.<ext> (realistic mix, from disk)", p_port, photos, sites),
            ("vitrine API /api/ads/<id>", v_port, [f"/api/ads/{i}" for i in v_ids], sites),
        ]
        for name, port, paths, proc in plan:
            result = load(port, paths, args.threads, args.seconds)
            rows.append((name, result, rss_mib(proc)))
    finally:
        for proc in (sites, baseline):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    print(
        f"\nFixture sites on loopback: {args.n_ads} ads, {args.threads} client threads, {args.seconds:g} s per row, "
        f"{psutil.cpu_count()} CPUs"
    )
    print(
        f"{'row':34} {'requests':>9} {'req/s':>8} {'vs base':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7} "
        f"{'RSS MiB':>8}"
    )
    base_rps = rows[0][1]["rps"]
    for name, r, rss in rows:
        print(
            f"{name:34} {r['requests']:>9} {r['rps']:>8.0f} {r['rps'] / base_rps:>7.0%} {r['p50']:>8.2f} "
            f"{r['p95']:>8.2f} {r['errors']:>7} {rss:>8.0f}"
        )
    if args.gen_ads:
        import resource

        started, cpu = time.perf_counter(), time.process_time()
        generated = generate(seed=7, n_ads=args.gen_ads)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"\ngenerate(n_ads={args.gen_ads}): {len(generated)} ads in {elapsed:.1f} s wall, {cpu:.1f} s CPU "
            f"({len(generated) / elapsed:,.0f} ads/s wall), peak RSS of this process {peak:.0f} MiB, "
            f"load average {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
