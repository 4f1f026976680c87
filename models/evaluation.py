"""Held-out evaluation: metrics per target, PR and calibration plots, Markdown report.

Every row (rules baseline, model, leakage ablation) is computed on the same
held-out split, so the numbers compare like with like.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_fscore_support

from models.config import TARGETS

matplotlib.use("Agg")  # files only, never a display
import matplotlib.pyplot as plt
from sklearn.calibration import calibration_curve
from sklearn.metrics import precision_recall_curve


def precision_at(y: np.ndarray, scores: np.ndarray, k: int) -> float:
    """Share of true positives among the top ``k`` of the queue (stable order for ties)."""
    if len(y) == 0:
        return float("nan")
    top = np.argsort(-scores, kind="stable")[:k]
    return float(y[top].mean())


def target_metrics(y: np.ndarray, scores: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    known = ~np.isnan(y)
    y, scores = y[known].astype(int), scores[known]
    p, r, f, _ = precision_recall_fscore_support(y, scores >= threshold, average="binary", zero_division=0)
    return {
        "n": len(y),
        "positives": int(y.sum()),
        "precision": round(float(p), 4),
        "recall": round(float(r), 4),
        "f1": round(float(f), 4),
        "average_precision": round(float(average_precision_score(y, scores)), 4) if y.any() else float("nan"),
        "precision_at_50": round(precision_at(y, scores, 50), 4),
        "precision_at_100": round(precision_at(y, scores, 100), 4),
    }


def score_matrix(scorer: Any, records: Sequence[dict[str, Any]], batch: int = 1024) -> np.ndarray:
    """``(n, 2)`` scores of any scorer (``score_batch``) for the targets."""
    out = np.zeros((len(records), len(TARGETS)))
    for start in range(0, len(records), batch):
        risks = scorer.score_batch(list(records[start : start + batch]))
        for i, risk in enumerate(risks):
            out[start + i] = [risk[t] for t in TARGETS]
    return out


def evaluate_rows(labels: np.ndarray, rows: dict[str, np.ndarray]) -> dict[str, dict[str, dict[str, float]]]:
    """``{row name: {target: metrics}}`` for score matrices on the same labels."""
    return {
        name: {t: target_metrics(labels[:, j], scores[:, j]) for j, t in enumerate(TARGETS)}
        for name, scores in rows.items()
    }


def plot_curves(labels: np.ndarray, rows: dict[str, np.ndarray], out_dir: Path) -> list[str]:
    """PR curve and calibration plot per target (PNG, matplotlib Agg); returns file names."""

    files = []
    for j, target in enumerate(TARGETS):
        known = ~np.isnan(labels[:, j])
        y = labels[known, j].astype(int)
        fig, (ax_pr, ax_cal) = plt.subplots(1, 2, figsize=(10, 4))
        for name, scores in rows.items():
            s = scores[known, j]
            precision, recall, _ = precision_recall_curve(y, s)
            ax_pr.plot(recall, precision, label=name)
            frac, mean = calibration_curve(y, s, n_bins=10, strategy="quantile")
            ax_cal.plot(mean, frac, marker="o", label=name)
        ax_pr.set(title=f"{target}: precision-recall", xlabel="recall", ylabel="precision", ylim=(0, 1.02))
        ax_cal.plot([0, 1], [0, 1], linestyle=":", color="grey")
        ax_cal.set(title=f"{target}: calibration", xlabel="predicted", ylabel="observed")
        ax_pr.legend(loc="lower left")
        ax_cal.legend(loc="upper left")
        fig.tight_layout()
        name = f"{target}_curves.png"
        fig.savefig(out_dir / name, dpi=90)
        plt.close(fig)
        files.append(name)
    return files


def markdown_table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    cols = ["n", "positives", "precision", "recall", "f1", "average_precision", "precision_at_50", "precision_at_100"]
    lines = ["| row | target | " + " | ".join(cols) + " |", "|" + "---|" * (len(cols) + 2)]
    for row, per_target in results.items():
        for target, m in per_target.items():
            lines.append(f"| {row} | {target} | " + " | ".join(str(m[c]) for c in cols) + " |")
    return "\n".join(lines)


def missed_by_rules(
    labels: np.ndarray, rules_evidence: np.ndarray, rows: dict[str, np.ndarray]
) -> dict[str, dict[str, dict[str, float]]]:
    """How each row ranks the positives the rules miss (no rules evidence for the target) against the negatives.

    ``ap`` is the average precision over those positives and every negative: the rules give
    all of them one score, so their AP is the share of missed positives; a model that learned
    the wording of ads like them ranks them higher. Means show the score each group gets.
    """
    out: dict[str, dict[str, dict[str, float]]] = {name: {} for name in rows}
    for j, target in enumerate(TARGETS):
        missed = (labels[:, j] == 1) & (rules_evidence[:, j] == 0)
        negative = labels[:, j] == 0
        chosen = missed | negative
        for name, scores in rows.items():
            out[name][target] = {
                "missed_positives": int(missed.sum()),
                "negatives": int(negative.sum()),
                "ap": round(float(average_precision_score(missed[chosen], scores[chosen, j])), 4)
                if missed.any() and negative.any()
                else float("nan"),
                "mean_missed": round(float(scores[missed, j].mean()), 4) if missed.any() else float("nan"),
                "mean_negative": round(float(scores[negative, j].mean()), 4) if negative.any() else float("nan"),
            }
    return out


def _missed_table(missed: dict[str, dict[str, dict[str, float]]]) -> str:
    cols = ["missed_positives", "negatives", "ap", "mean_missed", "mean_negative"]
    lines = ["| row | target | " + " | ".join(cols) + " |", "|" + "---|" * (len(cols) + 2)]
    for row, per_target in missed.items():
        for target, m in per_target.items():
            lines.append(f"| {row} | {target} | " + " | ".join(str(m[c]) for c in cols) + " |")
    return "\n".join(lines)


def write_report(
    out_dir: Path,
    title: str,
    labels: np.ndarray,
    rows: dict[str, np.ndarray],
    notes: Sequence[str] = (),
    rules_evidence: np.ndarray | None = None,
) -> Path:
    """Write ``report.md`` (metrics table and PNG plots) and ``report.json`` (the same, for the UI); return the .md.

    With ``rules_evidence`` (``(n, 2)``, see :func:`models.calibration.evidence_matrix`) the report
    also shows how each row ranks the positives the rules miss (:func:`missed_by_rules`).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    results = evaluate_rows(labels, rows)
    images = plot_curves(labels, rows, out_dir)
    missed = missed_by_rules(labels, rules_evidence, rows) if rules_evidence is not None else None
    document = {"title": title, "notes": [n for n in notes if n], "results": results, "images": images}
    if missed is not None:
        document["missed_by_rules"] = missed
    (out_dir / "report.json").write_text(json.dumps(_finite(document), indent=2), encoding="utf-8")
    parts = [
        f"# {title}",
        "",
        *notes,
        "",
        "## Held-out metrics (threshold 0.5 for precision/recall/F1)",
        "",
        markdown_table(results),
        "",
    ]
    if missed is not None:
        parts += [
            "## Positives the rules miss (no rules evidence for the target) against all negatives",
            "",
            _missed_table(missed),
            "",
        ]
    for image in images:
        parts += [f"![{image}]({image})", ""]
    path = out_dir / "report.md"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _finite(value: Any) -> Any:
    """NaN (e.g. the AP of a target without positives) as null, so the file is strict JSON."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
