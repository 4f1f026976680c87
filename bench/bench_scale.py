"""Scale-out benchmark: crawl nodes, linking workers and rescoring workers, each against a same-run baseline.

    SIGNAAL_ES_URL=http://127.0.0.1:9200 .venv/bin/python bench/bench_scale.py                 # small: checks it works
    SIGNAAL_ES_URL=... .venv/bin/python bench/bench_scale.py --crawl-ads 4000 --link-ads 1000000 --rescore-ads 100000

One table, one run:

- crawl: both fixture sites (prikbord, and vitrine read through its JSON API, no
  browser) crawled, analyzed, scored and indexed by ``signaal schedule --wait``
  on 1 Scrapyd node (one crawl at a time: the sites one after the other) and then
  on 2 nodes (one site each, at once). On a 2-core machine the ceiling is the CPU,
  not the nodes: crawler, scoring worker, fixture server and Elasticsearch share
  the same cores, so the ratio says what a second machine would buy only where
  the cores are idle. CPU per ad counts the node process trees (crawls and their
  scoring workers) and this process (the fixture server); Elasticsearch's is not
  in it.
- link: ``signaal link --full --workers 1`` and ``--workers 2`` over N generator
  ads with their true entities (as bench_linking.py), minutes, CPU and peak memory
  of the command's process tree; the target is 1,000,000 ads in <= 15 minutes
  (``--link-ads 1000000``; the ads are made and indexed 100,000 at a time).
- rescore: ``signaal rescore --workers 1`` and ``2`` over N ads made stale again
  (older model and analysis version: every ad is re-analyzed and rescored, as
  after a lexicon change), with the rules baseline (a throw-away registry).

Every configuration reports throughput, its ratio to the same-run baseline, CPU per
item, peak memory and the load average around it; the crawl rows also the pages/s of
each site.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from elasticsearch import helpers

from crawler.fleet.scheduler import look_at_node
from crawler.fleet.status import status_rows
from devtools.es_node.node import free_port
from devtools.fixture_sites import start_sites
from devtools.fixture_sites.truth_ads import truth_ads
from devtools.scrapyd_nodes.node import LocalScrapyd
from indexing.indexer import index_ads
from signaal.es.client import get_client
from signaal.es.mappings import apply_mappings, delete_prefix
from signaal.settings import alias, get_settings

PREFIX = "bench_scale"
SIGNAAL = str(Path(sys.executable).with_name("signaal"))
SITES = ("prikbord", "vitrine-api")


@dataclass
class Row:
    what: str
    config: str
    items: int
    seconds: float
    unit: str
    cpu_per_item_ms: float | None = None
    peak_mb: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    load: str = ""
    note: str = ""
    baseline: Row | None = field(default=None, repr=False)

    @property
    def rate(self) -> float:
        return self.items / self.seconds if self.seconds > 0 else 0.0


class TreeMemory:
    """Peak RSS of a process and all its descendants, sampled every 0.2 s in a thread."""

    def __init__(self, pids: Callable[[], list[int]]) -> None:
        self.pids = pids
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _total(self) -> int:
        total = 0
        for pid in self.pids():
            try:
                proc = psutil.Process(pid)
                procs = [proc, *proc.children(recursive=True)]
            except psutil.Error:
                continue
            for p in procs:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    continue
        return total

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, self._total())

    def __enter__(self) -> TreeMemory:
        self.peak = self._total()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def load_text(before: tuple[float, ...]) -> str:
    return f"{before[0]:.1f} -> {os.getloadavg()[0]:.1f}"


def percentiles(samples: list[float]) -> tuple[float | None, float | None]:
    if len(samples) < 2:
        return (samples[0] * 1000, samples[0] * 1000) if samples else (None, None)
    cuts = statistics.quantiles(samples, n=20)
    return statistics.median(samples) * 1000, cuts[18] * 1000


# -- crawl -------------------------------------------------------------------------------------------
def _tree_cpu(pid: int) -> float:
    """CPU seconds of a node: itself plus every finished child it has reaped (its crawls) and running ones."""
    try:
        proc = psutil.Process(pid)
        t = proc.cpu_times()
        total = t.user + t.system + t.children_user + t.children_system
        for child in proc.children(recursive=True):
            with_children = child.cpu_times()
            total += with_children.user + with_children.system
    except psutil.Error:
        return 0.0
    return total


@contextmanager
def local_nodes(root: Path, count: int) -> Iterator[list[LocalScrapyd]]:
    nodes = [LocalScrapyd(f"node-{i}", root / "scrapyd" / f"node-{i}", free_port(), max_proc=1) for i in range(count)]
    try:
        for node in nodes:
            node.start(root)
        yield nodes
    finally:
        for node in nodes:
            node.stop(timeout=30)


def crawl_row(n_nodes: int, ads: int, work: Path) -> Row:
    root = work / f"crawl-{n_nodes}"
    with start_sites(seed=21, n_ads=ads) as sites, local_nodes(root, n_nodes) as nodes:
        env = {
            **os.environ,
            "SIGNAAL_VAR_DIR": str(root),
            "SIGNAAL_SCRAPYD_URLS": ",".join(n.url for n in nodes),
            "SIGNAAL_SITE_PRIKBORD_URL": sites.prikbord_url,
            "SIGNAAL_SITE_VITRINE_API_URL": sites.vitrine_url,
            "SIGNAAL_PROGRESS": "off",
        }
        pids = [n.pid() or 0 for n in nodes]
        cpu_before = sum(_tree_cpu(p) for p in pids) + time.process_time()
        load = os.getloadavg()
        started = time.perf_counter()
        with TreeMemory(lambda: pids) as memory:
            proc = subprocess.run(
                [SIGNAAL, "schedule", *SITES, "--no-search", "--wait"],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
        seconds = time.perf_counter() - started
        cpu = sum(_tree_cpu(p) for p in pids) + time.process_time() - cpu_before
        if proc.returncode != 0:
            raise SystemExit(f"schedule failed: {proc.stdout}{proc.stderr[-2000:]}")
        rows = status_rows(root / "crawl-state", list(SITES), {n.url: look_at_node(n.url) for n in nodes}, _now())
    total = sum(r.ads or 0 for r in rows)
    rates = [r.pages_per_s or 0.0 for r in rows]
    return Row(
        "crawl 2 sites",
        f"{n_nodes} node(s)",
        total,
        seconds,
        "ads",
        cpu_per_item_ms=1000 * cpu / max(total, 1),
        peak_mb=memory.peak / 2**20,
        load=load_text(load),
        note="pages/s per site: " + ", ".join(f"{r:.0f}" for r in rates),
    )


def _now() -> datetime:
    return datetime.now(UTC)


# -- link and rescore ----------------------------------------------------------------------------------
CHUNK = 100_000


def index_generator_ads(es: Any, n: int) -> None:
    """N generator ads with their true entities (devtools.fixture_sites.truth_ads, photo hashes derived, not
    rendered), made and indexed 100,000 at a time so a million fits in memory; each chunk has its own seed and
    id suffix, so advertisers, phones and templates repeat across chunks as they would across months."""
    for k, start in enumerate(range(0, n, CHUNK)):
        ads, _ = truth_ads(3000 + k, min(CHUNK, n - start), render_photos=False)
        for ad in ads:
            ad["id"] = f"{ad['id']}-c{k}"
        report = index_ads(es, ads, prefix=PREFIX)
        if report.failed:
            raise SystemExit(f"indexing failed for {report.failed} ads")
    es.indices.refresh(index=alias("ads", PREFIX))


def fresh_index(es: Any, n: int) -> None:
    """Empty indices holding N ads (the node's distribution has no _delete_by_query: start over)."""
    delete_prefix(es, PREFIX)
    apply_mappings(es, PREFIX)
    index_generator_ads(es, n)


@dataclass
class CommandRun:
    seconds: float
    cpu_s: float
    peak_mb: float
    stdout: str
    step_gaps: list[float]  # seconds between consecutive progress lines of the measured step


def run_command(args: list[str], env: dict[str, str], step: str) -> CommandRun:
    """Run one ``signaal`` command: wall time, CPU and peak RSS of its process tree, and the time between its
    progress lines that start with ``step`` (one line per page: ``SIGNAAL_PROGRESS_EVERY_S=0``)."""
    env = {**env, "SIGNAAL_PROGRESS": "lines", "SIGNAAL_PROGRESS_EVERY_S": "0"}
    started = time.perf_counter()
    before = os.times()
    proc = subprocess.Popen([SIGNAAL, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    arrivals: list[float] = []
    tail: list[str] = []

    def read_progress() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.startswith(step):
                arrivals.append(time.perf_counter())
            tail[:] = [*tail[-20:], line]

    reader = threading.Thread(target=read_progress, daemon=True)
    reader.start()
    with TreeMemory(lambda: [proc.pid]) as memory:
        assert proc.stdout is not None
        out = proc.stdout.read()
        proc.wait()
    reader.join()
    seconds = time.perf_counter() - started
    after = os.times()
    if proc.returncode != 0:
        raise SystemExit(f"signaal {' '.join(args)} failed: {''.join(tail)}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    return CommandRun(seconds, cpu, memory.peak / 2**20, out.strip(), gaps)


def link_row(es: Any, n: int, workers: int, env: dict[str, str]) -> Row:
    fresh_index(es, n)  # no links or clusters yet: each configuration writes all of them
    load = os.getloadavg()
    run = run_command(["link", "--full", "--workers", str(workers), "--json"], env, "link: reading ads:")
    seconds = run.seconds
    report = json.loads(run.stdout.splitlines()[-1])
    p50, p95 = percentiles(run.step_gaps)
    phases = ", ".join(f"{k} {v:.0f} s" for k, v in report["phase_seconds"].items())
    return Row(
        f"link --full {n:,} ads",
        f"--workers {workers}",
        report["ads_processed"],
        seconds,
        "ads",
        cpu_per_item_ms=1000 * run.cpu_s / max(report["ads_processed"], 1),
        peak_mb=run.peak_mb,
        p50_ms=p50,
        p95_ms=p95,
        load=load_text(load),
        note=f"{seconds / 60:.1f} min (target <= 15 at 1,000,000); {report['clusters']:,} clusters; {phases}; "
        "p50/p95: between progress steps of reading + keying (1,000 ads, or a page per worker)",
    )


def make_pending(es: Any) -> None:
    """Every ad scored by an older model under older rules (partial updates; no _update_by_query here)."""
    ids = (h["_id"] for h in helpers.scan(es, index=alias("ads", PREFIX), query={"_source": False}))
    stale = {"risk": {"model_version": "old"}, "nlp_version": "old"}
    actions = ({"_op_type": "update", "_index": alias("ads", PREFIX), "_id": i, "doc": stale} for i in ids)
    helpers.bulk(es, actions, chunk_size=2000)
    es.indices.refresh(index=alias("ads", PREFIX))


def rescore_row(es: Any, n: int, workers: int, env: dict[str, str]) -> Row:
    make_pending(es)  # both configurations re-analyze and rescore every ad, as after a lexicon change
    load = os.getloadavg()
    run = run_command(["rescore", "--workers", str(workers)], env, "rescore:")
    p50, p95 = percentiles(run.step_gaps)
    return Row(
        f"rescore {n:,} ads",
        f"--workers {workers}",
        n,
        run.seconds,
        "ads",
        cpu_per_item_ms=1000 * run.cpu_s / max(n, 1),
        peak_mb=run.peak_mb,
        p50_ms=p50,
        p95_ms=p95,
        load=load_text(load),
        note=f"{run.stdout.splitlines()[-1]}; p50/p95: between pages of 500 ads (all workers)",
    )


def table(rows: list[Row]) -> str:
    head = (
        f"| what | config | items | seconds | rate | vs baseline | CPU ms/item | peak MiB | p50 / p95 ms "
        f"| load avg | note |\n|{'---|' * 11}"
    )
    lines = [head]
    for r in rows:
        ratio = f"{r.rate / r.baseline.rate:.2f}x" if r.baseline and r.baseline.rate else "baseline"
        cpu = f"{r.cpu_per_item_ms:.2f}" if r.cpu_per_item_ms is not None else "-"
        lat = f"{r.p50_ms:.0f} / {r.p95_ms:.0f}" if r.p50_ms is not None and r.p95_ms is not None else "-"
        peak = f"{r.peak_mb:,.0f}" if r.peak_mb is not None else "-"
        lines.append(
            f"| {r.what} | {r.config} | {r.items:,} | {r.seconds:.1f} | {r.rate:,.1f} {r.unit}/s | {ratio} | {cpu} "
            f"| {peak} | {lat} | {r.load} | {r.note} |"
        )
    return "\n".join(lines)


def pin_cluster() -> None:
    """Name this cluster in the environment: the commands run with their own ``SIGNAAL_VAR_DIR``, where the
    local node's address, CA and credential files are not, so they must get them explicitly."""
    settings = get_settings()
    os.environ.setdefault("SIGNAAL_ES_URL", settings.effective_es_url)
    for name, value in (
        ("SIGNAAL_ES_CREDENTIALS_DIR", settings.credentials_dir),
        ("SIGNAAL_ES_CA_CERTS", settings.ca_certs),
    ):
        if value is not None:
            os.environ.setdefault(name, str(value))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crawl-ads", type=int, default=200, help="fixture ads over both sites (0 = skip)")
    parser.add_argument("--link-ads", type=int, default=20_000, help="ads to link (0 = skip; >= 10,000 to spread)")
    parser.add_argument("--rescore-ads", type=int, default=3000, help="ads to rescore (0 = skip)")
    args = parser.parse_args()
    pin_cluster()
    es = get_client(component="admin", request_timeout=600)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        os.environ["SIGNAAL_INDEX_PREFIX"] = PREFIX
        delete_prefix(es, PREFIX)
        apply_mappings(es, PREFIX)
        try:
            if args.crawl_ads:
                one = crawl_row(1, args.crawl_ads, Path(tmp))
                two = crawl_row(2, args.crawl_ads, Path(tmp))
                two.baseline = one
                rows += [one, two]
            env = {**os.environ, "SIGNAAL_VAR_DIR": str(Path(tmp) / "var"), "SIGNAAL_PROGRESS": "off"}
            for n, run in ((args.link_ads, link_row), (args.rescore_ads, rescore_row)):
                if not n:
                    continue
                fresh_index(es, n)
                base = run(es, n, 1, env)
                pair = run(es, n, 2, env)
                pair.baseline = base
                rows += [base, pair]
        finally:
            delete_prefix(es, PREFIX)
    print(f"\nscale-out benchmark, {os.cpu_count()} cores, ES {os.environ.get('SIGNAAL_ES_URL', 'default')}\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
