"""From analyzed records to the feature matrix of the learned model.

``RecordColumns`` flattens each record into a small object table (text,
indicator codes, identity tokens, youngest age, entity counts); the
``ColumnTransformer`` built by ``build_features`` turns it into named features
(``word__alleen hotel``, ``codes__TRAF_HOTEL``, ``age__youngest_age_16to17``) whose names
``risk.reasons`` translates into analyst words.
"""

# ruff: noqa: N803, N806  (X is scikit-learn's name for a feature matrix)

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise
from typing import Any

import numpy as np
import yaml
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.utils.validation import check_is_fitted, validate_data

from models.config import DATA_DIR
from models.record import claimed_ages, contact_count, contact_keys, entities, indicator_codes

TEXT, CODES, IDENTITY, AGE = 0, 1, 2, 3
COUNT_COLUMNS = ("n_ages", "n_contacts", "n_names", "n_locations", "n_prices")
FIRST_COUNT = 4
COLUMN_NAMES = ("text", "codes", "identity", "youngest_age", *COUNT_COLUMNS)
WHOLE_TOKEN = r"\S+"  # noqa: S105 (a regular expression, not a secret)


@lru_cache(maxsize=1)
def _default_settings() -> dict[str, Any]:
    with (DATA_DIR / "features.yaml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def default_settings() -> dict[str, Any]:
    """A fresh copy of ``features.yaml`` (callers may change it)."""
    return copy.deepcopy(_default_settings())


@lru_cache(maxsize=8)
def _compiled(patterns: tuple[tuple[str, str], ...]) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(p), token) for p, token in patterns]


def record_text(record: dict[str, Any]) -> str:
    return f"{record.get('title') or ''}\n{record.get('body') or ''}"


class RecordColumns(TransformerMixin, BaseEstimator):
    """Analyzed records (dicts) -> object table: text, codes, identity, youngest age, entity counts.

    The first step of the learned model, so the same masking and leakage guard
    run in training and scoring and are saved (as parameters) with the model.
    It learns nothing: ``fit`` only checks the parameters.

    Parameters
    ----------
    leakage_guard : bool
        When true, ``mask_patterns`` are applied to the text and the identity
        column (site, month, exact contacts) is left empty.
    mask_patterns : sequence of (regex, token) pairs
        Replaced in the text, in order, when ``leakage_guard`` is true.
    """

    def __init__(self, leakage_guard: bool = True, mask_patterns: Sequence[tuple[str, str]] = ()) -> None:
        self.leakage_guard = leakage_guard
        self.mask_patterns = mask_patterns

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.two_d_array = False  # a sequence of record dicts, like DictVectorizer's input
        tags.input_tags.dict = True
        return tags

    def fit(self, X: Sequence[dict[str, Any]], y: Any = None) -> RecordColumns:
        """Check the parameters (a bad mask regex fails here, not mid-batch); nothing is learned."""
        self._masks()
        return self

    def _masks(self) -> list[tuple[re.Pattern[str], str]]:
        if not self.leakage_guard:
            return []
        return _compiled(tuple((str(pattern), str(token)) for pattern, token in self.mask_patterns))

    def transform(self, X: Sequence[dict[str, Any]]) -> np.ndarray:
        """One row per record, columns named by :meth:`get_feature_names_out`."""
        guard = bool(self.leakage_guard)
        masks = self._masks()
        table = np.empty((len(X), FIRST_COUNT + len(COUNT_COLUMNS)), dtype=object)
        for i, record in enumerate(X):
            text = record_text(record)
            for pattern, token in masks:
                text = pattern.sub(token, text)
            ents = entities(record)
            ages = claimed_ages(record)
            table[i, TEXT] = text
            table[i, CODES] = " ".join(sorted(indicator_codes(record)))
            if guard:
                table[i, IDENTITY] = ""
            else:
                posted = str(record.get("posted_at") or "")[:7]
                table[i, IDENTITY] = " ".join(
                    [f"site:{record.get('site', '')}", f"month:{posted}", *sorted(contact_keys(record))]
                )
            table[i, AGE] = float(min(ages)) if ages else np.nan
            table[i, FIRST_COUNT:] = (
                len(ages),
                contact_count(record),
                len(ents.get("names") or ()),
                len(ents.get("locations") or ()),
                len(ents.get("prices") or ()),
            )
        return table

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(COLUMN_NAMES, dtype=object)


class AgeBands(TransformerMixin, BaseEstimator):
    """One-hot bands of a numeric column (NaN = its own "missing" band).

    A linear model cannot learn "under 18 is different" from a raw age; bands
    give it that step, and each band has a name an analyst can read.
    """

    def __init__(self, edges: Sequence[float] = (16, 18, 20, 23, 30), names: Sequence[str] | None = None) -> None:
        self.edges = edges
        self.names = names

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def fit(self, X: Any, y: Any = None) -> AgeBands:
        validate_data(self, X, ensure_all_finite="allow-nan", reset=True)
        self.edges_ = np.asarray(sorted(self.edges), dtype=float)
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "edges_")
        X = validate_data(self, X, ensure_all_finite="allow-nan", reset=False)
        n_bands = len(self.edges_) + 1
        out = np.zeros((X.shape[0], X.shape[1] * (n_bands + 1)), dtype=np.float64)
        for j in range(X.shape[1]):
            col = X[:, j]
            missing = np.isnan(col)
            band = np.searchsorted(self.edges_, np.where(missing, 0.0, col), side="right")
            rows = np.arange(X.shape[0])
            offset = j * (n_bands + 1)
            out[rows[~missing], offset + band[~missing]] = 1.0
            out[rows[missing], offset + n_bands] = 1.0
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "edges_")
        names = _input_names(self, input_features)
        edges = [int(e) for e in self.edges_]
        bands = [f"lt{edges[0]}", *[f"{lo}to{hi - 1}" for lo, hi in pairwise(edges)]]
        bands += [f"{edges[-1]}plus", "missing"]
        return np.asarray([f"{name}_{band}" for name in names for band in bands], dtype=object)


class LogCounts(TransformerMixin, BaseEstimator):
    """``log1p(min(x, clip))`` with NaN as 0: counts on a scale a linear model can weigh."""

    def __init__(self, clip: float = 50.0, names: Sequence[str] | None = None) -> None:
        self.clip = clip
        self.names = names

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def fit(self, X: Any, y: Any = None) -> LogCounts:
        validate_data(self, X, ensure_all_finite="allow-nan", reset=True)
        self.clip_ = float(self.clip)
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "clip_")
        X = validate_data(self, X, ensure_all_finite="allow-nan", reset=False)
        return np.log1p(np.clip(np.nan_to_num(X, nan=0.0), 0.0, self.clip_))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "clip_")
        return np.asarray(_input_names(self, input_features), dtype=object)


def _input_names(est: Any, input_features: Any) -> list[str]:
    """Readable names: the ``names`` parameter, else the given input names, else x0, x1, ..."""
    if est.names is not None and len(est.names) == est.n_features_in_:
        return list(est.names)
    if input_features is not None:
        return [str(n) for n in input_features]
    return [f"x{j}" for j in range(est.n_features_in_)]


def _tfidf(params: dict[str, Any]) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer=params.get("analyzer", "word"),
        ngram_range=tuple(params["ngram_range"]),
        min_df=params["min_df"],
        max_df=params["max_df"],
        max_features=params["max_features"],
        sublinear_tf=params["sublinear_tf"],
        dtype=np.float32,
    )


def _token_counter() -> CountVectorizer:
    """Presence of whitespace-separated tokens kept verbatim (indicator codes, identity keys)."""
    return CountVectorizer(token_pattern=WHOLE_TOKEN, lowercase=False, binary=True)


def build_columns(settings: dict[str, Any]) -> RecordColumns:
    """The record-to-columns step with the settings' leakage guard and mask patterns."""
    masks = tuple((m["pattern"], m["token"]) for m in settings["mask_patterns"])
    return RecordColumns(leakage_guard=bool(settings["leakage_guard"]), mask_patterns=masks)


def build_features(settings: dict[str, Any]) -> ColumnTransformer:
    """The named feature steps: word and char TF-IDF, indicator codes, age bands, counts[, identity].

    Word n-grams are what lets the model learn a phrasing no rule knows once analysts labelled
    ads like it (docs/models.md, "Word features"); ``word_tfidf: null`` switches them off only
    to measure that (the word ablation of ``signaal evaluate``).
    """
    word = settings["word_tfidf"]
    char = settings["char_tfidf"]
    steps: list[tuple[str, Any, Any]] = [("word", _tfidf(word), TEXT)] if word else []
    if char:  # null in the settings switches character n-grams off
        steps.append(("char", _tfidf(char), TEXT))
    steps += [
        ("codes", _token_counter(), CODES),
        ("age", AgeBands(edges=tuple(settings["age_edges"]), names=("youngest_age",)), [AGE]),
        ("counts", LogCounts(names=COUNT_COLUMNS), list(range(FIRST_COUNT, FIRST_COUNT + len(COUNT_COLUMNS)))),
    ]
    if not settings["leakage_guard"]:
        steps.append(("identity", _token_counter(), IDENTITY))
    return ColumnTransformer(steps, sparse_threshold=1.0, n_jobs=None)
