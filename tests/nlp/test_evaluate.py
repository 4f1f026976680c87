"""Evaluation against the fixture generator's truth: the targets of issue 3 hold on fresh data."""

import pytest

from devtools.fixture_sites import generate
from nlp.evaluate import INDICATOR_TARGET, TARGETS, evaluate, format_report


@pytest.mark.slow
def test_targets_on_generated_ads():
    corpus = generate(seed=101, n_ads=250, epoch=2)
    report = evaluate(corpus.ads, corpus.truth)
    table = format_report(report)
    assert report.n_ads == len(corpus.ads)
    assert report.language_accuracy >= 0.97, table
    for kind, target in TARGETS.items():
        assert report.entities[kind].f1 >= target, table
    for code, score in report.indicators.items():
        if score.tp + score.fn >= 5:  # codes with enough support in a small corpus
            assert score.f1 >= INDICATOR_TARGET, f"{code}\n{table}"
