import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from models.data_io import fingerprint, label_matrix
from models.learned import LearnedScorer
from models.record import contact_keys
from models.split import group_split, time_split


def test_group_split_keeps_contacts_on_one_side(labelled):
    train, test = group_split(labelled, test_fraction=0.25, seed=3)
    assert len(train) + len(test) == len(labelled)
    train_keys = set().union(*(contact_keys(labelled[i]) for i in train))
    test_keys = set().union(*(contact_keys(labelled[i]) for i in test))
    assert train_keys.isdisjoint(test_keys)
    assert 0.2 < len(test) / len(labelled) < 0.3


def test_time_split_holds_out_newest(labelled):
    train, test = time_split(labelled, 0.2)
    assert max(labelled[i]["posted_at"] for i in train) <= min(labelled[i]["posted_at"] for i in test)


def test_trained_model_beats_rules_baseline(trained):
    held_out = trained.metrics["held_out"]
    for target in ("minor", "trafficking"):
        model, rules = held_out["model"][target], held_out["rules"][target]
        assert model["average_precision"] > rules["average_precision"], target
        assert model["average_precision"] > 0.75


def test_reasons_name_readable_features(trained, labelled):
    scorer = LearnedScorer(trained.artifact, "vtest")
    positives = [r for r in labelled if r["labels"]["minor"] == 1 and min(r["entities"]["ages"] or [99]) < 18][:20]
    risks = scorer.score_batch(positives)
    assert all(0 <= r["minor"] <= 1 and r["model_version"] == "vtest" for r in risks)
    assert np.mean([r["minor"] for r in risks]) > 0.5
    assert any(reason.startswith("stated age 1") for r in risks for reason in r["reasons"])
    assert not any("char__" in reason for r in risks for reason in r["reasons"])


def test_fingerprint_ignores_order(labelled):
    assert fingerprint(labelled[:50]) == fingerprint(list(reversed(labelled[:50])))
    assert fingerprint(labelled[:50]) != fingerprint(labelled[:49])


def test_model_is_one_pipeline_from_records_to_both_targets(trained, labelled):
    model = trained.artifact["model"]
    assert isinstance(model, Pipeline)
    assert [name for name, _ in model.steps] == ["columns", "features", "classifier"]
    names = list(model[:-1].get_feature_names_out())
    assert {"codes__MINOR_STATED_AGE", "age__youngest_age_lt16", "counts__n_ages"} <= set(names)
    assert any(n.startswith("word__") for n in names) and len(names) == model[-1].coef_.shape[1]
    minor, trafficking = model.predict_proba(labelled[:20])
    predicted = LearnedScorer(trained.artifact, "vtest").predict(labelled[:20])
    np.testing.assert_array_equal(minor[:, 1], predicted["minor"])
    np.testing.assert_array_equal(trafficking[:, 1], predicted["trafficking"])


def test_set_params_reaches_every_step(trained, labelled):
    model = clone(trained.artifact["model"]).set_params(
        features__word__min_df=10, classifier__estimator__estimator__C=0.1
    )
    assert model.get_params()["classifier__estimator__estimator__C"] == 0.1
    model.fit(labelled[:600], label_matrix(labelled[:600]))
    words = [n for n in model[:-1].get_feature_names_out() if n.startswith("word__")]
    default = clone(trained.artifact["model"]).fit(labelled[:600], label_matrix(labelled[:600]))
    assert 0 < len(words) < sum(n.startswith("word__") for n in default[:-1].get_feature_names_out())
