"""Benchmark of learning from decisions: mining suggestions, and the calibrated rules baseline.

Decided ads are the real chain: ``devtools.fixture_sites.generate`` ads -> ``nlp.analyze``,
each decided from its ground truth (lead / escalate minor / not relevant) as an analyst
would. Prints a table: for each size, what one ML-page view costs (``prepare`` + new
phrasings + weak rules + code weights, the work of ``models.suggestions.suggestions``
without the Elasticsearch reads) as decided ads per second and per-view latency
percentiles over ``--repeat`` views; a same-run baseline (one pass of the miner's word
regex and folding over the same texts); rules-baseline scoring throughput calibrated vs
the plain noisy-or; peak memory and load average.

    .venv/bin/python bench/bench_suggestions.py [--sizes 1000 5000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def decided_pairs(n: int, seed: int) -> list[tuple[dict, dict]]:
    """(analyzed ad, latest decision) pairs: the generator's truth decided as an analyst would."""
    import nlp
    from devtools.fixture_sites import generate

    pairs = []
    for record in nlp.analyze(generate(seed=seed, n_ads=n, epoch=1).labelled()):
        minor, trafficking = record["labels"]["minor"], record["labels"]["trafficking"]
        kind = "escalate_minor" if minor else "lead" if trafficking else "not_relevant"
        labels = {"minor": "yes" if minor else "no", "trafficking": "yes" if trafficking else "no"}
        pairs.append((record, {"decision": kind, "labels": labels, "decided_at": "2026-12-01T10:00:00Z"}))
    return pairs


def one_view(pairs: list[tuple[dict, dict]]) -> float:
    from models.suggestions import code_weights, new_phrasings, prepare, weak_rules

    started = time.perf_counter()
    ads = prepare(pairs)
    new_phrasings(ads)
    weak_rules(ads)
    code_weights(ads)
    return time.perf_counter() - started


def baseline(pairs: list[tuple[dict, dict]]) -> float:
    """The floor: the miner's tokenization alone (word regex + folding) over the same texts."""
    from models.suggestions import WORD
    from signaal.text import fold

    started = time.perf_counter()
    for record, _ in pairs:
        for field in ("title", "body"):
            [fold(m.group()) for m in WORD.finditer(str(record.get(field) or ""))]
    return time.perf_counter() - started


def rules_rates(records: list[dict]) -> tuple[float, float]:
    """Ads per second of the rules baseline, calibrated and plain noisy-or (same records, same run)."""
    from models.rules import RulesScorer

    calibrated = RulesScorer()
    plain = RulesScorer(dataclasses.replace(calibrated.config, calibration={}))
    rates = []
    for scorer in (calibrated, plain):
        started = time.process_time()
        scorer.score_batch(records)
        rates.append(len(records) / max(time.process_time() - started, 1e-9))
    return rates[0], rates[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 3000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()
    load_start = os.getloadavg()[0]
    pairs_all = decided_pairs(max(args.sizes), args.seed)
    print(f"{'decided ads':>11} {'stage':32} {'ads/s':>9} {'p50 s':>7} {'p95 s':>7} {'max s':>7}")
    for size in args.sizes:
        pairs = pairs_all[:size]
        times = np.array([one_view(pairs) for _ in range(args.repeat)])
        floor = np.array([baseline(pairs) for _ in range(args.repeat)])
        for name, t in (("suggestions (one ML page view)", times), ("baseline: tokenize + fold only", floor)):
            p50, p95 = np.percentile(t, [50, 95])
            print(f"{size:11,d} {name:32} {size / p50:9,.0f} {p50:7.3f} {p95:7.3f} {t.max():7.3f}")
    calibrated, plain = rules_rates([record for record, _ in pairs_all])
    print(f"\nrules baseline scoring, ads per CPU-second: calibrated {calibrated:,.0f}, plain noisy-or {plain:,.0f}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mb:,.0f} MiB; load average {load_start:.1f} at start, {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
