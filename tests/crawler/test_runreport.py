"""How a crawl ended, recorded in Elasticsearch for the admin page (crawler.runreport)."""

from __future__ import annotations

import pytest

from crawler.runreport import record_run
from signaal.es.mappings import apply_mappings, load_spec
from signaal.paths import ES_MAPPINGS_DIR
from signaal.settings import get_settings

pytestmark = pytest.mark.es


def test_a_missing_kind_is_named_not_auto_created_and_a_run_is_recorded_once_it_exists(es, fresh_index_prefix):
    """An installation from before crawl-runs existed: the crawler's least-privilege user may not create
    the index, so the note names `signaal es init`; nothing is auto-created under the alias' name."""
    spec = load_spec(ES_MAPPINGS_DIR / "crawl-runs.json")
    es.indices.delete(index=spec.index_name(fresh_index_prefix))  # as if `signaal es init` never saw this kind
    summary = {"site": "prikbord", "run_id": 3, "status": "finished", "ads": 12, "finished": True}
    alias = f"{fresh_index_prefix}-crawl-runs"
    problem = record_run(summary, prefix=fresh_index_prefix)
    assert problem is not None and "signaal es init" in problem and alias in problem
    assert not es.indices.exists(index=alias)
    apply_mappings(es, fresh_index_prefix, kinds=["crawl-runs"])  # what `signaal es init` does, as admin
    assert record_run(summary, prefix=fresh_index_prefix) is None
    assert record_run({**summary, "ads": 13}, prefix=fresh_index_prefix) is None  # the same run: updated
    assert list(es.indices.get_alias(name=alias)) == [spec.index_name(fresh_index_prefix)]
    doc = es.get(index=alias, id="prikbord:3")["_source"]
    assert doc["ads"] == 13 and doc["status"] == "finished" and doc["ended_at"].endswith("Z")


def test_an_unreachable_cluster_is_a_one_line_note_not_a_failed_crawl(monkeypatch):
    monkeypatch.setenv("SIGNAAL_ES_URL", "http://127.0.0.1:9")
    get_settings.cache_clear()
    try:
        problem = record_run({"site": "prikbord", "run_id": 1}, prefix="nowhere")
    finally:
        get_settings.cache_clear()
    assert problem is not None and problem.startswith("crawl status not recorded in Elasticsearch:")
    assert "\n" not in problem
