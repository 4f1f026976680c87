"""The learned risk model: shared named features, one calibrated linear classifier per target.

The artifact is a plain dict of scikit-learn objects (saved with skops)::

    {"format": 1, "settings": {...}, "features": ColumnTransformer,
     "classifiers": {"minor": CalibratedClassifierCV, "trafficking": CalibratedClassifierCV}}

Features are computed once per batch and shared by both targets (half the
scoring cost of two full pipelines). ``CalibratedClassifierCV(ensemble=False)``
keeps a single linear model per target, whose coefficients explain a score.
"""

# ruff: noqa: N806  (X is scikit-learn's name for a feature matrix)

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression, SGDClassifier

from models.config import TARGETS, rules_config
from models.features import build_features, records_to_columns
from models.record import claimed_ages

ARTIFACT_FORMAT = 1


def make_classifier(name: str, settings: dict[str, Any], seed: int = 0) -> CalibratedClassifierCV:
    """A calibrated linear classifier: ``logreg`` (liblinear) or ``sgd`` (log-loss SGD)."""
    params = settings["classifiers"][name]
    if name == "logreg":
        base: Any = LogisticRegression(C=params["C"], solver="liblinear", max_iter=200)
    elif name == "sgd":
        base = SGDClassifier(loss="log_loss", alpha=params["alpha"], max_iter=50, tol=1e-3, random_state=seed)
    else:
        raise ValueError(f"unknown classifier {name!r} (choose from {', '.join(settings['classifiers'])})")
    cal = settings["calibration"]
    return CalibratedClassifierCV(base, method=cal["method"], cv=cal["cv"], ensemble=False)


def fit_artifact(
    records: Sequence[dict[str, Any]],
    labels: np.ndarray,
    settings: dict[str, Any],
    classifier: str,
    seed: int = 0,
) -> dict[str, Any]:
    """Fit features on all records, then one classifier per target on the rows where it is labelled.

    ``labels`` is ``(n, 2)`` float with NaN where the analyst said "unknown".
    """
    started = time.perf_counter()
    features = build_features(settings)
    X = features.fit_transform(records_to_columns(records, settings)).tocsr()
    classifiers = {}
    for j, target in enumerate(TARGETS):
        known = ~np.isnan(labels[:, j])
        y = labels[known, j].astype(int)
        if len(np.unique(y)) < 2:
            raise ValueError(f"training data has no positive and negative examples for {target!r}")
        classifiers[target] = clone(make_classifier(classifier, settings, seed)).fit(X[known], y)
    return {
        "format": ARTIFACT_FORMAT,
        "settings": settings,
        "classifier": classifier,
        "features": features,
        "classifiers": classifiers,
        "fit_seconds": round(time.perf_counter() - started, 3),
    }


def _coef(cal: CalibratedClassifierCV) -> np.ndarray:
    """Coefficients of the single calibrated linear model (ensemble=False)."""
    coefs = [c.estimator.coef_.ravel() for c in cal.calibrated_classifiers_]
    return np.mean(coefs, axis=0)


class LearnedScorer:
    """Scores batches with a fitted artifact and names the features that pushed each score up."""

    def __init__(self, artifact: dict[str, Any], model_version: str) -> None:
        if artifact.get("format") != ARTIFACT_FORMAT:
            raise ValueError(f"unsupported model artifact format {artifact.get('format')!r}")
        self.model_version = model_version
        self.settings = artifact["settings"]
        self.features = artifact["features"]
        self.classifiers = artifact["classifiers"]
        self.config = rules_config()
        self.feature_names = np.asarray(self.features.get_feature_names_out(), dtype=object)
        readable = np.array([not n.startswith("char__") for n in self.feature_names])
        self.reason_coef = {t: np.where(readable, _coef(c), 0.0) for t, c in self.classifiers.items()}

    def transform(self, records: Sequence[dict[str, Any]]) -> Any:
        return self.features.transform(records_to_columns(records, self.settings)).tocsr()

    def predict(self, records: Sequence[dict[str, Any]]) -> dict[str, np.ndarray]:
        """Calibrated probability per target, shape ``(n,)`` each."""
        X = self.transform(records)
        return {t: self.classifiers[t].predict_proba(X)[:, 1] for t in TARGETS}

    def score_batch(self, records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        if not records:
            return []
        X = self.transform(records)
        probs = {t: self.classifiers[t].predict_proba(X)[:, 1] for t in TARGETS}
        contrib = sum(X.multiply(self.reason_coef[t][None, :]).multiply(probs[t][:, None]) for t in TARGETS).tocsr()
        out = []
        for i, record in enumerate(records):
            minor, traf = float(probs["minor"][i]), float(probs["trafficking"][i])
            out.append(
                {
                    "minor": round(minor, 6),
                    "trafficking": round(traf, 6),
                    "priority": round(self.config.priority(minor, traf), 6),
                    "reasons": self._reasons(record, contrib, i),
                    "model_version": self.model_version,
                }
            )
        return out

    def _reasons(self, record: dict[str, Any], contrib: Any, i: int) -> list[str]:
        start, end = contrib.indptr[i], contrib.indptr[i + 1]
        data, cols = contrib.data[start:end], contrib.indices[start:end]
        order = np.argsort(-data)
        reasons: list[str] = []
        for k in order:
            if data[k] <= 0 or len(reasons) >= self.config.max_reasons:
                break
            reason = feature_reason(str(self.feature_names[cols[k]]), record, self.settings)
            if reason and reason not in reasons:
                reasons.append(reason)
        return reasons


def feature_reason(name: str, record: dict[str, Any], settings: dict[str, Any]) -> str | None:
    """Analyst words for a feature name from ``get_feature_names_out``."""
    step, _, feature = name.partition("__")
    if step == "codes":
        return rules_config().label(feature)
    if step == "word":
        return f'wording "{feature}"'
    if step == "age":
        ages = claimed_ages(record)
        return f"stated age {min(ages)}" if ages else None
    if step == "counts":
        label = settings["counts"].get(feature, feature)
        return f"{label} is high"
    if step == "identity":
        return f"identity feature {feature}"
    return None
