"""Fit the rules baseline's calibration on labelled ads (``signaal calibrate``).

One logistic regression per target on a single feature, the rules' evidence
``sum(-ln(1 - w))`` (see :mod:`models.rules`): two numbers per target that turn
"some rules fired" into a probability. It is fitted on a group split first to
measure what it changes on held-out ads (Brier score, log loss, and the
predicted vs observed rate among ads without any signal), then on all labelled
ads for the stored parameters. The file records where the labels came from.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss

from models.config import TARGETS, Calibration
from models.data_io import fingerprint, label_matrix
from models.rules import RulesScorer
from models.split import group_split
from nlp.version import analysis_version
from signaal.ids import utc_now

HEADER = """\
# Calibration of the rules baseline (models/rules.py), written by `signaal calibrate`; do not edit by hand.
# Per target: p = 1 / (1 + exp(-(intercept + slope * evidence))), evidence = sum(-ln(1 - w)) over the
# ad's rules (0 when no rule fired, so sigmoid(intercept) is the score of an ad without signals).
# `provenance` says which labelled ads it was fitted on; refit when the lexicons or rules.yaml change
# (the rules fingerprint and nlp version below show what it was fitted against).
"""


def evidence_matrix(records: Sequence[dict[str, Any]], scorer: RulesScorer) -> np.ndarray:
    """``(n, 2)`` rules evidence per target, in :data:`models.config.TARGETS` order."""
    return np.array([[scorer.log_evidence(r)[t] for t in TARGETS] for r in records], dtype=float).reshape(-1, 2)


def _fit(evidence: np.ndarray, y: np.ndarray) -> Calibration:
    model = LogisticRegression(C=1e4, solver="lbfgs").fit(evidence.reshape(-1, 1), y.astype(int))
    return Calibration(round(float(model.intercept_[0]), 6), round(float(model.coef_[0, 0]), 6))


def _held_out(evidence: np.ndarray, y: np.ndarray, fitted: Calibration) -> dict[str, float]:
    raw = np.clip(-np.expm1(-evidence), 1e-6, 1 - 1e-6)
    calibrated = np.array([fitted.probability(e) for e in evidence])
    none = evidence == 0
    return {
        "n": len(y),
        "brier_raw": round(float(brier_score_loss(y, raw)), 4),
        "brier_calibrated": round(float(brier_score_loss(y, calibrated)), 4),
        "log_loss_raw": round(float(log_loss(y, raw, labels=[0, 1])), 4),
        "log_loss_calibrated": round(float(log_loss(y, calibrated, labels=[0, 1])), 4),
        "no_signal_ads": int(none.sum()),
        "no_signal_observed_rate": round(float(y[none].mean()), 4) if none.any() else None,
        "no_signal_predicted": round(fitted.probability(0.0), 4),
    }


def fit_calibration(
    records: Sequence[dict[str, Any]], *, source: str, synthetic: bool, seed: int = 0, test_fraction: float = 0.25
) -> dict[str, Any]:
    """The calibration document (``targets`` + ``provenance``) for labelled, analyzed records."""
    scorer = RulesScorer()
    evidence = evidence_matrix(records, scorer)
    labels = label_matrix(records)
    train_idx, test_idx = group_split(records, test_fraction, seed)
    targets, held_out, counts = {}, {}, {}
    for j, target in enumerate(TARGETS):
        known = ~np.isnan(labels[:, j])
        y = labels[:, j]
        train = train_idx[known[train_idx]]
        test = test_idx[known[test_idx]]
        if len(np.unique(y[known])) < 2 or len(np.unique(y[train])) < 2:
            raise ValueError(f"the labelled ads hold only one class for {target!r}: need positives and negatives")
        held_out[target] = _held_out(evidence[test, j], y[test], _fit(evidence[train, j], y[train]))
        final = _fit(evidence[known, j], y[known])
        targets[target] = {"intercept": final.intercept, "slope": final.slope}
        counts[target] = {"n": int(known.sum()), "positives": int(y[known].sum())}
    uncalibrated = dataclasses.replace(scorer.config, calibration={})
    return {
        "method": "logistic regression on the rules evidence",
        "targets": targets,
        "provenance": {
            "source": source,
            "synthetic": synthetic,
            "data_fingerprint": fingerprint(records),
            "labelled": counts,
            "fitted_at": utc_now(),
            "rules_fingerprint": uncalibrated.fingerprint(),
            "nlp_version": analysis_version(),
            "held_out": {"split": f"group, test fraction {test_fraction}, seed {seed}", **held_out},
        },
    }


def write_calibration(document: dict[str, Any], path: Path) -> Path:
    """Write the document with its explanatory header (atomically: a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(HEADER + yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    tmp.replace(path)
    return path
