"""Train, compare classifiers, evaluate against the rules baseline, register.

``signaal train`` and ``signaal evaluate`` are thin wrappers around
:func:`train` and :func:`evaluate`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.config import TARGETS
from models.data_io import fingerprint, label_matrix
from models.evaluation import evaluate_rows, markdown_table, score_matrix, write_report
from models.features import default_settings
from models.learned import LearnedScorer, fit_artifact
from models.rules import RulesScorer
from models.split import group_split, split


@dataclass
class TrainResult:
    artifact: dict[str, Any]
    metrics: dict[str, Any]
    settings: dict[str, Any]
    fingerprint: str


def _pick(records: Sequence[dict[str, Any]], idx: np.ndarray) -> list[dict[str, Any]]:
    return [records[i] for i in idx]


def _mean_ap(results: dict[str, dict[str, float]]) -> float:
    return float(np.mean([results[t]["average_precision"] for t in TARGETS]))


def compare_classifiers(
    records: Sequence[dict[str, Any]],
    labels: np.ndarray,
    settings: dict[str, Any],
    seed: int,
    on_step: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Fit every candidate on an inner group split of the training data; the best mean AP wins."""
    inner_train, inner_val = group_split(records, test_fraction=0.2, seed=seed + 1)
    val = _pick(records, inner_val)
    scores = {}
    for name in settings["classifiers"]:
        started = time.perf_counter()
        art = fit_artifact(_pick(records, inner_train), labels[inner_train], settings, name, seed)
        results = evaluate_rows(labels[inner_val], {name: score_matrix(LearnedScorer(art, name), val)})[name]
        if on_step:
            on_step(f"compared {name}")
        scores[name] = {
            "mean_average_precision": round(_mean_ap(results), 4),
            "fit_seconds": round(time.perf_counter() - started, 2),
        }
    best = max(scores, key=lambda n: scores[n]["mean_average_precision"])
    return {"chosen": best, "candidates": scores}


def train_steps(classifier: str, settings: dict[str, Any] | None = None) -> int:
    """How many steps :func:`train` reports: one per compared candidate, the final fit, the evaluation."""
    candidates = len((settings or default_settings())["classifiers"]) if classifier == "auto" else 0
    return candidates + 2


def train(
    records: Sequence[dict[str, Any]],
    *,
    split_method: str = "group",
    test_fraction: float = 0.25,
    seed: int = 0,
    classifier: str = "auto",
    settings: dict[str, Any] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> TrainResult:
    """Split without leakage, fit, and measure model and baseline on the same held-out part.

    ``on_step`` is called after each of the :func:`train_steps` steps (progress)."""
    settings = settings or default_settings()
    labels = label_matrix(records)
    train_idx, test_idx = split(records, split_method, test_fraction, seed)
    train_recs, test_recs = _pick(records, train_idx), _pick(records, test_idx)
    comparison = None
    if classifier == "auto":
        comparison = compare_classifiers(train_recs, labels[train_idx], settings, seed, on_step)
        classifier = comparison["chosen"]
    artifact = fit_artifact(train_recs, labels[train_idx], settings, classifier, seed)
    if on_step:
        on_step(f"fitted {classifier}")
    rows = {
        "rules-v1": score_matrix(RulesScorer(), test_recs),
        "model": score_matrix(LearnedScorer(artifact, "candidate"), test_recs),
    }
    held_out = evaluate_rows(labels[test_idx], rows)
    if on_step:
        on_step("evaluated")
    settings_out = {
        **settings,
        "classifier": classifier,
        "split": {"method": split_method, "test_fraction": test_fraction, "seed": seed},
    }
    metrics = {
        "held_out": held_out,
        "classifier_comparison": comparison,
        "n_train": len(train_idx),
        "n_test": len(test_idx),
        "fit_seconds": artifact["fit_seconds"],
        "summary": {f"{t}_ap": held_out["model"][t]["average_precision"] for t in TARGETS}
        | {f"baseline_{t}_ap": held_out["rules-v1"][t]["average_precision"] for t in TARGETS},
    }
    return TrainResult(artifact, metrics, settings_out, fingerprint(records))


def model_card(result: TrainResult, source: str) -> str:
    """Markdown model card; ``{version}`` is filled in by the registry."""
    m = result.metrics
    comparison = m.get("classifier_comparison")
    lines = [
        "# Signaal risk model {version}",
        "",
        "Scores online ads for signs of a minor (`risk.minor`) and of trafficking (`risk.trafficking`) "
        "as calibrated probabilities, to order the analysts' queue. It is a triage aid: every lead is "
        "checked by an analyst; a low score is not evidence that an ad is harmless.",
        "",
        f"- training data: {source} (fingerprint `{result.fingerprint[:16]}...`), "
        f"{m['n_train']} train / {m['n_test']} held-out ads",
        f"- split: {result.settings['split']['method']} (ads sharing a contact or cluster stay on one side)",
        f"- classifier: {result.settings['classifier']}, calibrated ({result.settings['calibration']['method']})",
        f"- leakage guard: {result.settings['leakage_guard']} (contacts masked; no site, date or contact features)",
        f"- fit time: {m['fit_seconds']} s",
        "",
        "## Held-out metrics",
        "",
        markdown_table(m["held_out"]),
        "",
    ]
    if comparison:
        lines += ["## Classifier comparison (inner group split, mean average precision)", ""]
        lines += [
            f"- {name}: {v['mean_average_precision']} ({v['fit_seconds']} s)"
            for name, v in comparison["candidates"].items()
        ]
        lines.append("")
    lines += [
        "## Limits",
        "",
        "- Learns from analysts' decisions: their blind spots (e.g. boys, who are overlooked more often) "
        "are the model's blind spots. Review `signaal indicator-report` and the label queue.",
        "- Character n-grams are not shown in `risk.reasons`; reasons list indicators, wording and ages.",
    ]
    return "\n".join(lines) + "\n"


def evaluate(records: Sequence[dict[str, Any]], scorer: LearnedScorer, out_dir: Path, *, ablation: bool = True) -> Path:
    """Report for a registered model on the split it was trained with, plus the leakage ablation.

    The ablation fits the same model *with* identity features (site, month,
    exact contacts) on the same training part: if the guarded model ranks about
    as well, it is not relying on who posted an ad or when.
    """
    split_cfg = scorer.settings.get("split", {"method": "group", "test_fraction": 0.25, "seed": 0})
    labels = label_matrix(records)
    train_idx, test_idx = split(records, split_cfg["method"], split_cfg["test_fraction"], split_cfg["seed"])
    test_recs = _pick(records, test_idx)
    rows = {
        "rules-v1": score_matrix(RulesScorer(), test_recs),
        f"model {scorer.model_version} (no site/date/contact features)": score_matrix(scorer, test_recs),
    }
    if ablation:
        unguarded = {**scorer.settings, "leakage_guard": False}
        art = fit_artifact(
            _pick(records, train_idx),
            labels[train_idx],
            unguarded,
            scorer.settings.get("classifier", "logreg"),
            split_cfg["seed"],
        )
        rows["ablation: same model + site/date/contact features"] = score_matrix(
            LearnedScorer(art, "ablation"), test_recs
        )
    notes = [
        f"Held-out: {len(test_idx)} ads ({split_cfg['method']} split, seed {split_cfg['seed']}); "
        f"trained on {len(train_idx)}.",
        "",
        "The ablation row adds features that only identify an advertiser or a time. A guarded model "
        "that ranks about as well shows the score does not come from memorising advertisers.",
    ]
    return write_report(out_dir, f"Evaluation of {scorer.model_version}", labels[test_idx], rows, notes)
