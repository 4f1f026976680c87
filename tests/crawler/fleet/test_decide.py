"""What one scheduling pass does with a site, from what the shared storage and the nodes say (no processes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.fleet.egg import source_files, source_version
from crawler.fleet.scheduler import BUSY, HOLD, START, WAIT, Assignment, NodeView, SiteView, decide, pick_node
from crawler.lease import LeaseInfo

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
A, B = "http://127.0.0.1:6801", "http://127.0.0.1:6802"


def _nodes(a_up: bool = True, **jobs: set[str]) -> dict[str, NodeView]:
    return {A: NodeView(A, a_up, **jobs) if a_up else NodeView(A, False), B: NodeView(B, True)}


def _view(
    *, held: bool = False, job: str | None = "j1", state: str | None = None, at: str = "2026-12-05T11:00:00.000Z"
):
    lease = LeaseInfo("prikbord", "node-1", "j1", "host", 1, at, at, held) if held or state else None
    assignment = Assignment("prikbord", A, job, "r1", at, "first crawl") if job else None
    status = {"job": job, "state": state, "updated_at": at} if state else None
    return SiteView("prikbord", lease, assignment, status)


def _decide(view, nodes, every=None, requested=False):
    return decide(view, nodes, now=NOW, recrawl_every=every, requested=requested)


def test_a_held_lease_means_busy_whatever_the_nodes_say():
    assert _decide(_view(held=True, state="running"), _nodes(a_up=False), requested=True).action == BUSY


def test_a_queued_or_starting_job_is_busy():
    assert _decide(_view(), _nodes(pending={"j1"}), requested=True).action == BUSY
    assert _decide(_view(), _nodes(running={"j1"}), requested=True).action == BUSY


def test_a_site_lost_with_its_node_starts_elsewhere():
    decision = _decide(_view(state="running"), _nodes(a_up=False))
    assert (decision.action, decision.avoid) == (START, A) and "unreachable" in decision.reason
    assert pick_node(_nodes(a_up=False), decision.avoid).url == B


def test_a_finished_site_waits_for_its_interval_unless_asked():
    finished = _view(state="finished", at="2026-12-05T10:00:00.000Z")
    assert _decide(finished, _nodes(finished={"j1"})).action == WAIT
    assert _decide(finished, _nodes(finished={"j1"}), every=timedelta(hours=6)).action == WAIT
    assert _decide(finished, _nodes(finished={"j1"}), every=timedelta(hours=1)).action == START
    assert _decide(finished, _nodes(finished={"j1"}), requested=True).action == START
    # a finished crawl whose node has gone since is not "lost": nothing to resume
    assert _decide(finished, _nodes(a_up=False)).action == WAIT


def test_died_and_stopped_crawls_resume_a_changed_layout_waits_for_people():
    assert _decide(_view(state="running"), _nodes(finished={"j1"})).action == START
    assert _decide(_view(state="stopped"), _nodes(finished={"j1"})).action == START
    assert _decide(_view(state="layout_changed"), _nodes(finished={"j1"})).action == HOLD
    assert _decide(_view(state="layout_changed"), _nodes(finished={"j1"}), requested=True).action == START


def test_a_job_that_never_started_its_crawl_is_held_in_periodic_passes():
    view = _view(state="finished")
    never = SiteView(view.site, view.lease, Assignment("prikbord", A, "j2", "r1", "x", "r"), view.status)
    assert _decide(never, _nodes(finished={"j2"})).action == HOLD
    assert _decide(never, _nodes(finished={"j2"}), requested=True).action == START


def test_first_crawl_and_least_loaded_node():
    assert _decide(_view(job=None), _nodes()).action == START
    nodes = _nodes(running={"x"})
    assert pick_node(nodes, None).url == B


def test_egg_version_follows_the_source(tmp_path: Path):
    for rel in ("crawler/__init__.py", "crawler/sites/a.yaml", "signaal/__init__.py", "es_mappings/ads.json"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    (tmp_path / "crawler" / "__pycache__").mkdir()
    (tmp_path / "crawler" / "__pycache__" / "x.pyc").write_text("junk")
    first = source_version(tmp_path)
    assert Path("crawler/sites/a.yaml") in source_files(tmp_path)
    assert not any("__pycache__" in str(p) for p in source_files(tmp_path))
    assert source_version(tmp_path) == first
    (tmp_path / "crawler" / "sites" / "a.yaml").write_text("y")
    assert source_version(tmp_path) != first, "a changed site config is a new version to deploy"
