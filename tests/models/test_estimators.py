import numpy as np
from sklearn.utils.estimator_checks import parametrize_with_checks

from models.features import AgeBands, LogCounts


@parametrize_with_checks([AgeBands(), LogCounts()])
def test_sklearn_conventions(estimator, check):
    check(estimator)


def test_age_bands_names_and_missing():
    bands = AgeBands(edges=(16, 18), names=("youngest_age",)).fit(np.array([[15.0], [np.nan]]))
    out = bands.transform(np.array([[15.0], [17.0], [40.0], [np.nan]]))
    names = list(bands.get_feature_names_out())
    assert names == ["youngest_age_lt16", "youngest_age_16to17", "youngest_age_18plus", "youngest_age_missing"]
    assert out.argmax(axis=1).tolist() == [0, 1, 2, 3]
