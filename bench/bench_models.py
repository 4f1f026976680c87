"""Benchmark of the risk models: rules baseline vs learned model on one held-out split.

The data is the real chain: ``devtools.fixture_sites.generate`` labelled ads ->
``nlp.analyze`` -> train / evaluate. Prints a table: average precision per
target (target >= 0.90 and above the baseline), training time on the training
part (target <= 300 s at 100,000 ads), batch scoring throughput of one process
(target >= 5,000 ads/s per core) with batch latency percentiles, and peak memory.

nlp.analyze on 100,000 ads takes many minutes, so the analyzed records are
cached under ``var/bench/`` (keyed by seed, size, epoch and a hash of the nlp
sources and data; ``--refresh`` rebuilds). ``--jobs`` analyses in parallel.

    .venv/bin/python bench/bench_models.py --n 100000 [--jobs 2]
    .venv/bin/python bench/bench_models.py --n 100000 --analyze-only --jobs 2   # just build the cache
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import sys
import time
from pathlib import Path

import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REPO = Path(__file__).resolve().parents[1]
CHUNK = 2_000


def nlp_fingerprint() -> str:
    """Hash of the nlp package's code and data: a changed analyzer invalidates the cache."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "nlp").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(REPO)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _analyze_chunk(chunk: list[dict]) -> bytes:
    """Analyze one slice of the labelled corpus, as JSON Lines (runs in a worker process)."""
    import nlp

    return b"".join(orjson.dumps(r) + b"\n" for r in nlp.analyze(chunk))


def _read(path: Path) -> list[dict]:
    with path.open("rb") as fh:
        return [orjson.loads(line) for line in fh]


def analyzed_corpus(n: int, seed: int, epoch: int, jobs: int, refresh: bool) -> tuple[list[dict], Path, float]:
    """Analyzed labelled records, from the cache when there is one; returns (records, cache path, analyze s).

    A cache built by an older nlp (other source hash) is still used, with a warning, so that a
    colleague's edit in nlp/ does not cost a 100k re-analysis mid-measurement; ``--refresh`` rebuilds.
    """
    from devtools.fixture_sites import generate
    from signaal.paths import var_dir

    folder = var_dir() / "bench"
    stem = f"models-analyzed-s{seed}-n{n}-e{epoch}"
    cache = folder / f"{stem}-nlp{nlp_fingerprint()}.jsonl"
    if not refresh:
        if cache.exists():
            return _read(cache), cache, 0.0
        older = sorted(folder.glob(f"{stem}-nlp*.jsonl"), key=lambda p: p.stat().st_mtime)
        if older:
            print(f"WARNING: {older[-1].name} was analyzed by another nlp version; --refresh to re-analyze")
            return _read(older[-1]), older[-1], 0.0
    folder.mkdir(parents=True, exist_ok=True)
    labelled = list(generate(seed=seed, n_ads=n, epoch=epoch).labelled())
    chunks = [labelled[start : start + CHUNK] for start in range(0, n, CHUNK)]
    started = time.perf_counter()
    tmp = cache.with_suffix(".partial")
    with tmp.open("wb") as fh:
        if jobs > 1:
            from multiprocessing import get_context

            with get_context("spawn").Pool(jobs) as pool:
                for blob in pool.imap(_analyze_chunk, chunks):
                    fh.write(blob)
        else:
            for chunk in chunks:
                fh.write(_analyze_chunk(chunk))
    seconds = time.perf_counter() - started
    tmp.replace(cache)
    return _read(cache), cache, seconds


def _throughput(scorer, records, batch: int) -> tuple[float, float, list[float]]:
    """(ads/s wall, ads/s of this process's CPU time, batch latencies ms): CPU time is the per-core rate
    on a shared machine, where wall time also counts other processes' turns."""
    latencies = []
    started, cpu0 = time.perf_counter(), time.process_time()
    for start in range(0, len(records), batch):
        t0 = time.perf_counter()
        scorer.score_batch(records[start : start + batch])
        latencies.append((time.perf_counter() - t0) * 1000)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
    return len(records) / wall, len(records) / cpu, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="labelled ads to generate and analyze")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--epoch", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=1, help="processes for nlp.analyze when building the cache")
    parser.add_argument("--refresh", action="store_true", help="re-analyze even when a cache exists")
    parser.add_argument("--analyze-only", action="store_true", help="build the cache and stop")
    parser.add_argument("--classifier", default="logreg", choices=["logreg", "sgd"])
    parser.add_argument("--batch", type=int, default=512)
    args = parser.parse_args()

    records, cache, analyze_s = analyzed_corpus(args.n, args.seed, args.epoch, args.jobs, args.refresh)
    how = f"built in {analyze_s:.0f} s" if analyze_s else "cached"
    print(f"analyzed corpus: {cache} ({how})")
    if args.analyze_only:
        return

    from models.config import TARGETS
    from models.data_io import label_matrix
    from models.evaluation import evaluate_rows, score_matrix
    from models.features import default_settings
    from models.learned import LearnedScorer, fit_artifact
    from models.rules import RulesScorer
    from models.split import group_split

    labels = label_matrix(records)
    train_idx, test_idx = group_split(records, 0.25, args.seed)
    train = [records[i] for i in train_idx]
    test = [records[i] for i in test_idx]

    t0, c0 = time.perf_counter(), time.process_time()
    artifact = fit_artifact(train, labels[train_idx], default_settings(), args.classifier, args.seed)
    fit_s, fit_cpu = time.perf_counter() - t0, time.process_time() - c0
    model, rules = LearnedScorer(artifact, "bench"), RulesScorer()

    results = evaluate_rows(
        labels[test_idx], {"rules-v1": score_matrix(rules, test), "model": score_matrix(model, test)}
    )
    sample = test[: min(len(test), 20_000)]
    rules_rate, rules_cpu, rules_lat = _throughput(rules, sample, args.batch)
    model_rate, model_cpu, model_lat = _throughput(model, sample, args.batch)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(
        f"\nrisk models bench: {args.n} generator ads (seed {args.seed}) -> nlp.analyze, {len(train)} train / "
        f"{len(test)} held-out (group split), classifier {args.classifier}\n"
    )
    print(f"{'metric':44} {'rules-v1':>10} {'model':>10} {'target':>14}")
    for t in TARGETS:
        ap_r, ap_m = results["rules-v1"][t]["average_precision"], results["model"][t]["average_precision"]
        print(f"{'average precision ' + t:44} {ap_r:10.4f} {ap_m:10.4f} {'>=0.90, >rules':>14}")
        for k in (50, 100):
            p_r, p_m = results["rules-v1"][t][f"precision_at_{k}"], results["model"][t][f"precision_at_{k}"]
            print(f"{f'precision@{k} ' + t:44} {p_r:10.4f} {p_m:10.4f} {'':>14}")
    print(f"{'training time on ' + str(len(train)) + ' ads, wall (s)':44} {'-':>10} {fit_s:10.1f} {'<=300 @100k':>14}")
    print(f"{'training time, process CPU (s)':44} {'-':>10} {fit_cpu:10.1f} {'':>14}")
    print(f"{'scoring ads/s, 1 process, wall':44} {rules_rate:10.0f} {model_rate:10.0f} {'':>14}")
    print(f"{'scoring ads/s per core (process CPU time)':44} {rules_cpu:10.0f} {model_cpu:10.0f} {'>=5000':>14}")
    for q in (50, 95, 99):
        print(
            f"{f'batch {args.batch} latency p{q} (ms)':44} {np.percentile(rules_lat, q):10.1f} "
            f"{np.percentile(model_lat, q):10.1f} {'':>14}"
        )
    print(f"{'peak RSS (MB, whole run)':44} {'':>10} {peak_mb:10.0f} {'':>14}")


if __name__ == "__main__":
    main()
