"""The ML page's model registry: synthetic models marked, each version's report with its plots, ML role only."""

import pytest

from models.training import model_card, write_training_report

pytestmark = pytest.mark.es


def test_model_report_page_shows_metrics_and_plots_of_a_synthetic_model(client_for, registry, trained):
    version = registry.register(
        trained.artifact,
        metrics=trained.metrics,
        settings=trained.settings,
        fingerprint=trained.fingerprint,
        card=model_card(trained, "fixture generator, seed 11", synthetic=True),
        source="fixture generator, seed 11",
        synthetic=True,
    )
    write_training_report(trained, registry.report_dir(version), version)
    ml, _ = client_for("mlstaff")
    listing = ml.get("/ml").text
    row = listing.split(f'<a href="/ml/models/{version}">{version}</a>')[1].split("</tr>")[0]
    assert "synthetic" in row and "fixture generator, seed 11" in row
    assert "synthetic" not in listing.split('<a href="/ml/models/v0001">v0001</a>')[1].split("</tr>")[0]

    page = ml.get(f"/ml/models/{version}")
    assert page.status_code == 200
    assert f"Evaluation of {version}" in page.text and "synthetic labels" in page.text
    ap = trained.metrics["held_out"]["model"]["minor"]["average_precision"]
    assert f"<strong>{ap}</strong>" in page.text and "**synthetic labels**" in page.text  # metrics table, card
    images = ["minor_curves.png", "trafficking_curves.png"]
    for image in images:
        assert f'src="/ml/models/{version}/plots/{image}"' in page.text
        plot = ml.get(f"/ml/models/{version}/plots/{image}")
        assert plot.status_code == 200 and plot.headers["content-type"] == "image/png"
        assert plot.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert ml.get(f"/ml/models/{version}/plots/report.json").status_code == 404  # only the listed plots
    assert ml.get(f"/ml/models/{version}/plots/..%2F..%2Findex.json").status_code == 404
    assert ml.get("/ml/models/v9999").status_code == 404
    assert "No report for this version yet" in ml.get("/ml/models/v0001").text

    analyst, _ = client_for("analyst1")
    assert analyst.get(f"/ml/models/{version}").status_code == 403
    assert analyst.get(f"/ml/models/{version}/plots/{images[0]}").status_code == 403
