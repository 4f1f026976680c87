"""scikit-learn's conventions for every estimator of the learned model, plus what the checks cannot see."""

import re

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils import estimator_checks as checks
from sklearn.utils.estimator_checks import parametrize_with_checks

from models.features import AgeBands, LogCounts, RecordColumns
from models.learned import PerTargetClassifier

# RecordColumns takes record dicts, so parametrize_with_checks runs only its clone check (the array checks
# cannot feed it, as with scikit-learn's DictVectorizer); the input-free API checks below run for it.
INPUT_FREE_CHECKS = [
    checks.check_estimator_repr,
    checks.check_no_attributes_set_in_init,
    checks.check_parameters_default_constructible,
    checks.check_get_params_invariance,
    checks.check_set_params,
    checks.check_do_not_raise_errors_in_init_or_set_params,
    checks.check_estimator_tags_renamed,
    checks.check_valid_tag_types,
    checks.check_mixin_order,
]

AD = {
    "title": "Anna (16) in Delft",
    "body": "Bel +999550000001 of mail anna@example.test",
    "site": "siteA",
    "posted_at": "2026-03-04T10:00:00Z",
    "entities": {"ages": [16, 19], "phones": ["+999550000001"], "names": ["Anna"], "locations": [{"name": "Delft"}]},
    "indicators": [{"code": "MINOR_STATED_AGE"}, {"code": "MINOR_BORDERLINE_AGE"}],
}
MASKS = (("[\\w.+-]+@[\\w-]+(\\.[\\w-]+)+", " xemailx "), ("\\+?\\d[\\d\\s().-]{5,}\\d", " xphonex "))


@parametrize_with_checks([AgeBands(), LogCounts(), RecordColumns(), PerTargetClassifier(LogisticRegression())])
def test_sklearn_conventions(estimator, check):
    check(estimator)


@pytest.mark.parametrize("check", INPUT_FREE_CHECKS, ids=lambda c: c.__name__)
def test_record_columns_api(check):
    check("RecordColumns", RecordColumns(mask_patterns=MASKS))


def test_age_bands_names_and_missing():
    bands = AgeBands(edges=(16, 18), names=("youngest_age",)).fit(np.array([[15.0], [np.nan]]))
    out = bands.transform(np.array([[15.0], [17.0], [40.0], [np.nan]]))
    names = list(bands.get_feature_names_out())
    assert names == ["youngest_age_lt16", "youngest_age_16to17", "youngest_age_18plus", "youngest_age_missing"]
    assert out.argmax(axis=1).tolist() == [0, 1, 2, 3]


def test_record_columns_table_and_leakage_guard():
    guarded = RecordColumns(mask_patterns=MASKS)
    assert guarded.fit([AD]) is guarded
    row = dict(zip(guarded.get_feature_names_out(), guarded.transform([AD, {}])[0], strict=True))
    assert row["text"] == "Anna (16) in Delft\nBel  xphonex  of mail  xemailx "
    assert row["codes"] == "MINOR_BORDERLINE_AGE MINOR_STATED_AGE"
    assert row["identity"] == ""
    assert row["youngest_age"] == 16.0
    assert (row["n_ages"], row["n_contacts"], row["n_names"], row["n_locations"], row["n_prices"]) == (2, 1, 1, 1, 0)
    open_row = clone(guarded).set_params(leakage_guard=False).transform([AD])[0]
    assert "+999550000001" in open_row[0]
    assert open_row[2] == "site:siteA month:2026-03 phone:+999550000001"


def test_record_columns_refuses_a_bad_mask_at_fit():
    with pytest.raises(re.error):
        RecordColumns(mask_patterns=(("(unclosed", "x"),)).fit([AD])


def test_per_target_classifier_fits_each_target_on_its_labelled_rows():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))  # noqa: N806 (scikit-learn's name for a feature matrix)
    y = np.column_stack([(X[:, 0] > 0).astype(float), (X[:, 1] > 0).astype(float)])
    y[::3, 0] = np.nan  # first target unknown on every third row
    model = PerTargetClassifier(LogisticRegression(), targets=("a", "b")).fit(X, y)
    known = ~np.isnan(y[:, 0])
    alone = LogisticRegression().fit(X[known], y[known, 0].astype(int))
    np.testing.assert_array_equal(model.coef_[0], alone.coef_.ravel())
    assert model.coef_.shape == (2, 3) and model.targets_ == ("a", "b")
    probas = model.predict_proba(X)
    assert len(probas) == 2 and probas[0].shape == (60, 2)
    np.testing.assert_array_equal(probas[0], alone.predict_proba(X))
    assert model.predict(X).shape == (60, 2)


def test_per_target_classifier_names_the_target_without_both_classes():
    y = np.array([[0.0, 1.0], [np.nan, 0.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="only one class for 'minor'"):
        PerTargetClassifier(LogisticRegression(), targets=("minor", "trafficking")).fit(np.eye(3), y)
