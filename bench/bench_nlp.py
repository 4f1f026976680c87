"""Benchmark ``nlp.analyze`` against a spaCy-tokenizer-only baseline, in one process, one core.

Usage: python bench/bench_nlp.py [--n-ads 3000] [--chars 500] [--seed 7]

Ads come from the fixture generator, with bodies joined or cut to about
``--chars`` characters so the measurement matches the issue's "500-character
ads". Prints throughput, per-ad latency percentiles and peak RSS; the target
is >= 1,500 ads/s per core and < 500 MB.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time

import psutil


def make_ads(n: int, chars: int, seed: int) -> list[dict]:
    from signaal.demo_sites import generate

    corpus = generate(seed=seed, n_ads=max(50, n // 3), epoch=1)
    bodies = [a["body"] for a in corpus.ads]
    ads, i = [], 0
    while len(ads) < n:
        body = ""
        while len(body) < chars:
            body += bodies[i % len(bodies)] + "\n"
            i += 1
        src = corpus.ads[len(ads) % len(corpus.ads)]
        ads.append({"id": f"bench:{len(ads)}", "title": src["title"], "body": body[:chars]})
    return ads


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-ads", type=int, default=3000)
    parser.add_argument("--chars", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # "per core": pin to one CPU
    proc = psutil.Process()

    import spacy

    import nlp
    from nlp.pipeline import get_pipeline

    ads = make_ads(args.n_ads, args.chars, args.seed)
    texts = [a["title"] + "\n\n\n\n" + a["body"] for a in ads]
    mean_chars = statistics.mean(len(t) for t in texts)

    blank = spacy.blank("nl")
    list(blank.pipe(texts[:200]))
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in blank.pipe(texts, batch_size=256):
        pass
    baseline, baseline_cpu = time.perf_counter() - t0, time.process_time() - c0

    get_pipeline("nl"), get_pipeline("en")  # load outside the timing, like a long-running worker
    list(nlp.analyze(ads[:200]))
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in nlp.analyze(ads, batch_size=256):
        pass
    full, full_cpu = time.perf_counter() - t0, time.process_time() - c0

    latencies = []
    for a in ads[:500]:
        t = time.perf_counter()
        list(nlp.analyze([a], batch_size=1))
        latencies.append((time.perf_counter() - t) * 1000)
    q = statistics.quantiles(latencies, n=100)

    peak_mb = max(proc.memory_info().rss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024) / 2**20
    print(f"{len(ads)} ads, mean {mean_chars:.0f} chars (title + body), 1 core")
    # ads per CPU-second is the per-core rate even on a shared machine; wall-clock rate is shown too.
    print(f"{'run':<34}{'ads/s wall':>12}{'ads/CPU-s':>12}{'x baseline':>12}")
    print(
        f"{'spaCy tokenizer only (blank nl)':<34}{rate(len(ads), baseline):>12.0f}"
        f"{rate(len(ads), baseline_cpu):>12.0f}{1.0:>12.2f}"
    )
    print(
        f"{'nlp.analyze (batch 256)':<34}{rate(len(ads), full):>12.0f}"
        f"{rate(len(ads), full_cpu):>12.0f}{baseline_cpu / full_cpu:>12.2f}"
    )
    print(f"single-ad latency ms: p50 {q[49]:.2f}  p95 {q[94]:.2f}  p99 {q[98]:.2f}  max {max(latencies):.2f}")
    verdict = "ok" if rate(len(ads), full_cpu) >= 1500 else "BELOW TARGET"
    print(f"peak RSS {peak_mb:.0f} MB (target < 500)   target >= 1500 ads per CPU-second: {verdict}")


if __name__ == "__main__":
    main()
