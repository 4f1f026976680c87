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

from models.calibration import evidence_matrix
from models.config import TARGETS
from models.data_io import fingerprint, label_matrix
from models.evaluation import evaluate_rows, markdown_table, score_matrix, write_report
from models.features import default_settings
from models.learned import LearnedScorer, fit_artifact
from models.rules import RulesScorer
from models.split import group_split, split

BASELINE = "rules"  # the rules baseline's row in every held-out comparison
WITHOUT_WORDS = "ablation: same model without word features"


def model_row(version: str) -> str:
    """The evaluated model's row name in a report."""
    return f"model {version} (no site/date/contact features)"


@dataclass
class TrainResult:
    artifact: dict[str, Any]
    metrics: dict[str, Any]
    settings: dict[str, Any]
    fingerprint: str
    held_out_labels: np.ndarray  # (n_test, 2), NaN = unknown
    held_out_scores: dict[str, np.ndarray]  # row name -> (n_test, 2), for the report's plots
    held_out_evidence: np.ndarray  # (n_test, 2) rules evidence, for "positives the rules miss"


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
    # Saved with the model, so `signaal evaluate` holds out exactly the ads this model never saw.
    settings_out = {
        **settings,
        "classifier": classifier,
        "split": {"method": split_method, "test_fraction": test_fraction, "seed": seed},
    }
    artifact = fit_artifact(train_recs, labels[train_idx], settings_out, classifier, seed)
    if on_step:
        on_step(f"fitted {classifier}")
    rows = {
        BASELINE: score_matrix(RulesScorer(), test_recs),
        "model": score_matrix(LearnedScorer(artifact, "candidate"), test_recs),
    }
    held_out = evaluate_rows(labels[test_idx], rows)
    if on_step:
        on_step("evaluated")
    metrics = {
        "held_out": held_out,
        "classifier_comparison": comparison,
        "n_train": len(train_idx),
        "n_test": len(test_idx),
        "fit_seconds": artifact["fit_seconds"],
        "summary": {f"{t}_ap": held_out["model"][t]["average_precision"] for t in TARGETS}
        | {f"baseline_{t}_ap": held_out[BASELINE][t]["average_precision"] for t in TARGETS},
    }
    evidence = evidence_matrix(test_recs, RulesScorer())
    return TrainResult(artifact, metrics, settings_out, fingerprint(records), labels[test_idx], rows, evidence)


def write_training_report(result: TrainResult, out_dir: Path, version: str) -> Path:
    """The held-out report (metrics table, PR and calibration plots) of a training run, next to its model."""
    notes = [
        f"Held-out: {result.metrics['n_test']} ads ({result.settings['split']['method']} split, seed "
        f"{result.settings['split']['seed']}); trained on {result.metrics['n_train']}.",
        "",
        f"The {BASELINE} row is the calibrated rules baseline scored on the same ads.",
    ]
    return write_report(
        out_dir,
        f"Evaluation of {version}",
        result.held_out_labels,
        result.held_out_scores,
        notes,
        result.held_out_evidence,
    )


def model_card(result: TrainResult, source: str, synthetic: bool = False) -> str:
    """Markdown model card; ``{version}`` is filled in by the registry."""
    m = result.metrics
    comparison = m.get("classifier_comparison")
    origin = (
        "**synthetic labels** (fixture generator ground truth, not analysts' decisions: a demonstration model)"
        if synthetic
        else "analysts' labels"
    )
    lines = [
        "# Signaal risk model {version}",
        "",
        "Scores online ads for signs of a minor (`risk.minor`) and of trafficking (`risk.trafficking`) "
        "as calibrated probabilities, to order the analysts' queue. It is a triage aid: every lead is "
        "checked by an analyst; a low score is not evidence that an ad is harmless.",
        "",
        f"- training data: {source}, {origin} (fingerprint `{result.fingerprint[:16]}...`), "
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
    """Report for a registered model on the split it was trained with, plus two ablations.

    The leakage ablation fits the same model *with* identity features (site,
    month, exact contacts) on the same training part: if the guarded model ranks
    about as well, it is not relying on who posted an ad or when. The word
    ablation fits it *without* word n-grams: the gap, above all on the positives
    the rules miss, is what the model learned from the wording of labelled ads.
    """
    split_cfg = scorer.settings.get("split", {"method": "group", "test_fraction": 0.25, "seed": 0})
    labels = label_matrix(records)
    train_idx, test_idx = split(records, split_cfg["method"], split_cfg["test_fraction"], split_cfg["seed"])
    test_recs = _pick(records, test_idx)
    rows = {
        BASELINE: score_matrix(RulesScorer(), test_recs),
        model_row(scorer.model_version): score_matrix(scorer, test_recs),
    }
    if ablation:
        train_recs, classifier = _pick(records, train_idx), scorer.settings.get("classifier", "logreg")
        for name, change in (
            ("ablation: same model + site/date/contact features", {"leakage_guard": False}),
            (WITHOUT_WORDS, {"word_tfidf": None}),
        ):
            art = fit_artifact(
                train_recs, labels[train_idx], {**scorer.settings, **change}, classifier, split_cfg["seed"]
            )
            rows[name] = score_matrix(LearnedScorer(art, "ablation"), test_recs)
    notes = [
        f"Held-out: {len(test_idx)} ads ({split_cfg['method']} split, seed {split_cfg['seed']}); "
        f"trained on {len(train_idx)}.",
        "",
        "The leakage ablation adds features that only identify an advertiser or a time. A guarded model "
        "that ranks about as well shows the score does not come from memorising advertisers.",
        "The word ablation drops word n-grams: the gap is what the model learned from how labelled ads are "
        "worded, which is what still finds ads whose phrasing no rule knows.",
    ]
    evidence = evidence_matrix(test_recs, RulesScorer())
    return write_report(out_dir, f"Evaluation of {scorer.model_version}", labels[test_idx], rows, notes, evidence)
