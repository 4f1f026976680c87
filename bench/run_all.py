"""Run every benchmark with its default (small) arguments and write one results file.

    .venv/bin/python bench/run_all.py            # writes docs/benchmarks.md

Each bench script prints its own table with its own same-run baseline; this
runner adds the machine it ran on and keeps the tables together, so the README
can point at the latest results. Pass-through: ``--only NAME`` runs one script.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
SCRIPTS = [
    "bench_fixture_server.py",
    "bench_nlp.py",
    "bench_models.py",
    "bench_suggestions.py",
    "bench_indexing.py",
    "bench_linking.py",
    "bench_crawler.py",
    "bench_ui.py",
    "bench_security.py",
    "bench_chain.py",
    "bench_scale.py",
]


def machine_line() -> str:
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()[0]
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {mem_gib:.0f} GiB, Python {platform.python_version()}, "
        f"load average at start {load:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="run just this script, e.g. bench_nlp.py")
    parser.add_argument("--out", type=Path, default=BENCH_DIR.parent / "docs" / "benchmarks.md")
    args = parser.parse_args()
    scripts = [args.only] if args.only else SCRIPTS
    parts = [f"# Benchmark results\n\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine_line()}\n"]
    for script in scripts:
        started = time.perf_counter()
        print(f"==> {script}", flush=True)
        proc = subprocess.run([sys.executable, str(BENCH_DIR / script)], capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        output = proc.stdout.strip() or proc.stderr.strip()[-2000:]
        print(output, flush=True)
        status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
        parts.append(f"## {script} ({status}, {seconds:.0f} s)\n\n```\n{output}\n```\n")
    args.out.write_text("\n".join(parts), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
