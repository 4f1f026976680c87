"""The learned risk model: one scikit-learn ``Pipeline`` from analyzed records to both targets' scores.

::

    Pipeline([("columns", RecordColumns),           # records -> object table (masking, leakage guard)
              ("features", ColumnTransformer),      # named features: word__..., codes__..., age__...
              ("classifier", PerTargetClassifier)]) # one calibrated linear model per target

One object, so ``set_params(features__word__min_df=3)``,
``model[:-1].get_feature_names_out()`` and the skops file cover the whole model.
Features are computed once per batch and shared by both targets (half the
scoring cost of two full pipelines). ``CalibratedClassifierCV(ensemble=False)``
keeps a single linear model per target, whose coefficients explain a score.

The saved artifact wraps the pipeline with what it was built from::

    {"format": 2, "settings": {...}, "classifier": "logreg", "model": Pipeline, "fit_seconds": 1.2}
"""

# ruff: noqa: N803, N806  (X is scikit-learn's name for a feature matrix)

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from models.config import TARGETS, rules_config
from models.features import build_columns, build_features
from models.record import claimed_ages

# 1: a dict of separate parts (features, one classifier per target). 2: one Pipeline under "model".
ARTIFACT_FORMAT = 2


class PerTargetClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """One clone of ``estimator`` per label column, each fitted on the rows where that column is known.

    Analysts often decide one target and leave the other unknown (NaN);
    scikit-learn's ``MultiOutputClassifier`` needs every label of every row, so
    it would drop those rows. Both targets share the features of one batch.

    Parameters
    ----------
    estimator : classifier
        Cloned once per label column.
    targets : sequence of str, optional
        Names of the label columns, in order (default ``y0, y1, ...``).

    Attributes
    ----------
    estimators_ : list of fitted classifiers, one per label column.
    targets_ : tuple of str, the label column names.
    classes_ : list of arrays, the classes of each label column (one array when ``y`` was 1-D).
    outputs_2d_ : bool, whether ``y`` was 2-D; a 1-D ``y`` is one target and gets 1-D answers,
        as with other scikit-learn classifiers.
    n_features_in_ : int
    """

    def __init__(self, estimator: Any, targets: Sequence[str] | None = None) -> None:
        self.estimator = estimator
        self.targets = targets

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X: Any, y: Any) -> PerTargetClassifier:
        """Fit one clone per column of ``y`` (shape ``(n, n_targets)`` or ``(n,)``; NaN = unknown)."""
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        X = validate_data(self, X, accept_sparse=("csr", "csc"), dtype=None, ensure_all_finite=False)
        y = check_array(y, ensure_2d=False, dtype=None, ensure_all_finite="allow-nan", input_name="y")
        self.outputs_2d_ = y.ndim == 2
        y = y if self.outputs_2d_ else y.reshape(-1, 1)
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} samples but y has {y.shape[0]}")
        targets = tuple(self.targets) if self.targets is not None else tuple(f"y{j}" for j in range(y.shape[1]))
        if len(targets) != y.shape[1]:
            raise ValueError(f"y has {y.shape[1]} columns but {len(targets)} targets are named: {targets}")
        estimators = []
        for j, target in enumerate(targets):
            column = y[:, j]
            known = ~np.isnan(column) if column.dtype.kind == "f" else np.ones(len(column), dtype=bool)
            y_known = column[known]
            if y_known.dtype.kind == "f" and np.all(y_known == np.round(y_known)):
                y_known = y_known.astype(int)  # 0.0/1.0 stored as float only to make room for NaN
            if len(np.unique(y_known)) < 2:
                raise ValueError(f"the labelled rows hold only one class for {target!r}: need positives and negatives")
            estimators.append(clone(self.estimator).fit(X[known], y_known))
        self.estimators_ = estimators
        self.targets_ = targets
        classes = [est.classes_ for est in estimators]
        self.classes_ = classes if self.outputs_2d_ else classes[0]
        return self

    def predict_proba(self, X: Any) -> list[np.ndarray] | np.ndarray:
        """One ``(n, n_classes)`` array per target, as ``MultiOutputClassifier`` returns (one array for 1-D y)."""
        check_is_fitted(self)
        probas = [est.predict_proba(X) for est in self.estimators_]
        return probas if self.outputs_2d_ else probas[0]

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class per target, shape ``(n, n_targets)`` (``(n,)`` for 1-D y)."""
        check_is_fitted(self)
        predictions = np.column_stack([est.predict(X) for est in self.estimators_])
        return predictions if self.outputs_2d_ else predictions[:, 0]

    @property
    def coef_(self) -> np.ndarray:
        """``(n_targets, n_features)``: each target's linear coefficients (before calibration, which is monotone)."""
        check_is_fitted(self)
        return np.vstack([_linear_coef(est) for est in self.estimators_])


def _linear_coef(estimator: Any) -> np.ndarray:
    """Coefficients of a binary linear classifier, or of the single model inside a calibrated one."""
    if isinstance(estimator, CalibratedClassifierCV):
        coefs = [c.estimator.coef_.ravel() for c in estimator.calibrated_classifiers_]
        return np.mean(coefs, axis=0)
    return np.asarray(estimator.coef_).ravel()


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


def build_model(settings: dict[str, Any], classifier: str, seed: int = 0) -> Pipeline:
    """The unfitted pipeline: record columns -> named features -> one calibrated classifier per target."""
    return Pipeline(
        [
            ("columns", build_columns(settings)),
            ("features", build_features(settings)),
            ("classifier", PerTargetClassifier(make_classifier(classifier, settings, seed), targets=TARGETS)),
        ]
    )


def fit_artifact(
    records: Sequence[dict[str, Any]],
    labels: np.ndarray,
    settings: dict[str, Any],
    classifier: str,
    seed: int = 0,
) -> dict[str, Any]:
    """Fit the pipeline: features on all records, each target's classifier on the rows where it is labelled.

    ``labels`` is ``(n, 2)`` float with NaN where the analyst said "unknown".
    """
    started = time.perf_counter()
    model = build_model(settings, classifier, seed).fit(records, labels)
    return {
        "format": ARTIFACT_FORMAT,
        "settings": settings,
        "classifier": classifier,
        "model": model,
        "fit_seconds": round(time.perf_counter() - started, 3),
    }


class LearnedScorer:
    """Scores batches with a fitted artifact and names the features that pushed each score up."""

    def __init__(self, artifact: dict[str, Any], model_version: str) -> None:
        found = artifact.get("format") if isinstance(artifact, dict) else None
        if found != ARTIFACT_FORMAT:
            raise ValueError(
                f"model artifact format {found!r} was written by another version of Signaal (this one reads "
                f"format {ARTIFACT_FORMAT}): retrain with `signaal train` and promote the new version"
            )
        self.model_version = model_version
        self.settings = artifact["settings"]
        self.model: Pipeline = artifact["model"]
        self.features: Pipeline = self.model[:-1]  # shares the fitted steps; X is needed for the reasons too
        self.classifier: PerTargetClassifier = self.model[-1]
        if tuple(self.classifier.targets_) != TARGETS:
            raise ValueError(f"model targets {self.classifier.targets_} are not {TARGETS}: retrain (`signaal train`)")
        self.config = rules_config()
        self.feature_names = np.asarray(self.features.get_feature_names_out(), dtype=object)
        readable = np.array([not n.startswith("char__") for n in self.feature_names])
        self.reason_coef = {t: np.where(readable, c, 0.0) for t, c in zip(TARGETS, self.classifier.coef_, strict=True)}

    def transform(self, records: Sequence[dict[str, Any]]) -> Any:
        return self.features.transform(records).tocsr()

    def _probabilities(self, X: Any) -> dict[str, np.ndarray]:
        return {t: p[:, 1] for t, p in zip(TARGETS, self.classifier.predict_proba(X), strict=True)}

    def predict(self, records: Sequence[dict[str, Any]]) -> dict[str, np.ndarray]:
        """Calibrated probability per target, shape ``(n,)`` each."""
        return self._probabilities(self.transform(records))

    def score_batch(self, records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        if not records:
            return []
        X = self.transform(records)
        probs = self._probabilities(X)
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
