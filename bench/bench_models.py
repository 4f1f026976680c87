"""Benchmark of the risk models: rules baseline vs learned model on one held-out split.

Prints a table: average precision per target (target >= 0.90 and above the
baseline), training time on N ads (target <= 300 s at 100,000), batch scoring
throughput per core (one process, target >= 5,000 ads/s) with batch latency
percentiles, and peak memory. Data: ``models.synthetic`` (analysed, labelled
records) until the fixture generator + nlp chain is used instead.

    .venv/bin/python bench/bench_models.py --n 100000
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np


def _throughput(scorer, records, batch: int) -> tuple[float, list[float]]:
    latencies = []
    started = time.perf_counter()
    for start in range(0, len(records), batch):
        t0 = time.perf_counter()
        scorer.score_batch(records[start : start + batch])
        latencies.append((time.perf_counter() - t0) * 1000)
    return len(records) / (time.perf_counter() - started), latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="labelled ads to generate")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--classifier", default="logreg", choices=["logreg", "sgd"])
    parser.add_argument("--batch", type=int, default=512)
    args = parser.parse_args()

    from models.config import TARGETS
    from models.data_io import label_matrix
    from models.evaluation import evaluate_rows, score_matrix
    from models.features import default_settings
    from models.learned import LearnedScorer, fit_artifact
    from models.rules import RulesScorer
    from models.split import group_split
    from models.synthetic import generate

    records = list(generate(args.n, seed=args.seed))
    labels = label_matrix(records)
    train_idx, test_idx = group_split(records, 0.25, args.seed)
    train = [records[i] for i in train_idx]
    test = [records[i] for i in test_idx]

    t0 = time.perf_counter()
    artifact = fit_artifact(train, labels[train_idx], default_settings(), args.classifier, args.seed)
    fit_s = time.perf_counter() - t0
    model, rules = LearnedScorer(artifact, "bench"), RulesScorer()

    results = evaluate_rows(labels[test_idx], {"rules-v1": score_matrix(rules, test),
                                                "model": score_matrix(model, test)})
    sample = test[: min(len(test), 20_000)]
    rules_rate, rules_lat = _throughput(rules, sample, args.batch)
    model_rate, model_lat = _throughput(model, sample, args.batch)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"\nrisk models bench: {args.n} synthetic ads, {len(train)} train / {len(test)} held-out "
          f"(group split), classifier {args.classifier}\n")
    print(f"{'metric':44} {'rules-v1':>10} {'model':>10} {'target':>12}")
    for t in TARGETS:
        ap_r, ap_m = results["rules-v1"][t]["average_precision"], results["model"][t]["average_precision"]
        print(f"{'average precision ' + t:44} {ap_r:10.4f} {ap_m:10.4f} {'>=0.90, >rules':>12}")
        p_r, p_m = results["rules-v1"][t]["precision_at_100"], results["model"][t]["precision_at_100"]
        print(f"{'precision@100 ' + t:44} {p_r:10.4f} {p_m:10.4f} {'':>12}")
    print(f"{'training time on ' + str(len(train)) + ' ads (s)':44} {'-':>10} {fit_s:10.1f} {'<=300 @100k':>12}")
    print(f"{'scoring ads/s, 1 process, batch ' + str(args.batch):44} {rules_rate:10.0f} {model_rate:10.0f} "
          f"{'>=5000':>12}")
    for q in (50, 95, 99):
        print(f"{f'batch latency p{q} (ms)':44} {np.percentile(rules_lat, q):10.1f} "
              f"{np.percentile(model_lat, q):10.1f} {'':>12}")
    print(f"{'peak RSS (MB, whole run)':44} {'':>10} {peak_mb:10.0f} {'':>12}")


if __name__ == "__main__":
    main()
