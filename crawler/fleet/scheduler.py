"""Give each site to one Scrapyd node, never twice at once, and never lose one to a dead node.

One scheduling *pass* (``signaal schedule``, ``--due`` from cron, or each turn of
``--loop``) looks at every site it is asked about:

- its lease (crawler.lease): held means a crawl of the site is running somewhere,
  whatever the nodes say, so it is not started again;
- its assignment, ``<state_dir>/<site>.job.json``, written here when a job is
  scheduled: if that job is still pending or running on its node, the site is busy;
  if the node no longer answers and no crawl holds the lease, the crawl died with
  its node and the site is started on another node, where it resumes from the
  shared crawl state (crawler.state) with nothing lost or duplicated;
- its status file (crawler.runstatus): how the last crawl ended, and when, which
  decides whether a finished site is due again (``recrawl_every`` in its YAML).

Passes run one at a time (a lock file beside the state), so two schedulers (cron
overlapping a manual run) cannot give one site to two nodes; the lease would stop
the second crawl anyway. The chosen node is the reachable one with the fewest
jobs; the current code and config are deployed to it first when it lacks them.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.config import SiteConfig
from crawler.fleet.egg import PROJECT, SPIDER, Egg
from crawler.fleet.nodes import Node, NodeError
from crawler.lease import LeaseInfo, lease_path, read_lease
from crawler.runstatus import FINISHED, LAYOUT_CHANGED, RUNNING, STOPPED, read_json, status_path, write_json_atomic
from signaal.ids import utc_now

JOB_SUFFIX = ".job.json"
START, BUSY, WAIT, HOLD = "start", "busy", "wait", "hold"
# settings every scheduled crawl gets: its state is on storage shared by machines (crawler.state)
FLEET_SETTINGS = {"SIGNAAL_STATE_EXCLUSIVE": "True"}


class NoNodeError(RuntimeError):
    """No crawl node answers (the message says where the node list came from)."""


def job_path(state_dir: Path, site: str) -> Path:
    return state_dir / f"{site}{JOB_SUFFIX}"


def parse_time(value: str | None) -> datetime | None:
    """A record time (``signaal.ids.utc_now`` format) as an aware datetime."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True)
class Assignment:
    """Which node was given a site last, as which job and code version."""

    site: str
    node: str
    job: str
    version: str
    scheduled_at: str
    reason: str


@dataclass
class NodeView:
    """A node as one pass sees it: reachable or not, and its jobs of our project by state."""

    url: str
    reachable: bool
    pending: set[str] = field(default_factory=set)
    running: set[str] = field(default_factory=set)
    finished: set[str] = field(default_factory=set)
    versions: set[str] = field(default_factory=set)
    error: str | None = None

    @property
    def load(self) -> int:
        return len(self.pending) + len(self.running)


@dataclass(frozen=True)
class SiteView:
    """Everything the shared storage says about one site."""

    site: str
    lease: LeaseInfo | None
    assignment: Assignment | None
    status: dict[str, Any] | None


@dataclass(frozen=True)
class Decision:
    action: str  # start | busy | wait | hold
    reason: str
    avoid: str | None = None  # a node not to use (the one the site was lost on)


def look_at_node(url: str) -> NodeView:
    node = Node(url)
    try:
        jobs = node.project_jobs(PROJECT)
        versions = set(node.project_versions(PROJECT))
    except NodeError as exc:
        return NodeView(url, reachable=False, error=str(exc))
    return NodeView(
        url,
        reachable=True,
        pending={j["id"] for j in jobs["pending"]},
        running={j["id"] for j in jobs["running"]},
        finished={j["id"] for j in jobs["finished"]},
        versions=versions,
    )


def look_at_site(state_dir: Path, site: str) -> SiteView:
    raw = read_json(job_path(state_dir, site))
    assignment = Assignment(**raw) if raw else None
    return SiteView(
        site, read_lease(lease_path(state_dir, site), site), assignment, read_json(status_path(state_dir, site))
    )


def job_state(view: SiteView, nodes: dict[str, NodeView]) -> str | None:
    """pending / running / finished / lost (node gone) for the site's last scheduled job, None if never scheduled."""
    if view.assignment is None:
        return None
    node = nodes.get(view.assignment.node)
    if node is None or not node.reachable:
        return "lost"
    job = view.assignment.job
    if job in node.pending:
        return "pending"
    if job in node.running:
        return "running"
    return "finished"


def decide(
    view: SiteView, nodes: dict[str, NodeView], *, now: datetime, recrawl_every: timedelta | None, requested: bool
) -> Decision:
    """What a pass does with one site (see the module docstring); a pure function of what it saw."""
    if view.lease is not None and view.lease.held:
        return Decision(BUSY, f"running on {view.lease.node} (job {view.lease.job})")
    state = job_state(view, nodes)
    if state in ("pending", "running"):
        assert view.assignment is not None
        return Decision(BUSY, f"{state} on {view.assignment.node} (job {view.assignment.job})")
    status = view.status or {}
    # the status file is the last job's only if that job got as far as writing it
    ours = view.assignment is None or status.get("job") == view.assignment.job
    ended = status.get("state") if ours else None
    if state == "lost" and ended != FINISHED:
        assert view.assignment is not None
        return Decision(START, f"node {view.assignment.node} unreachable: resuming elsewhere", view.assignment.node)
    if view.assignment is not None and not ours:
        if requested:
            return Decision(START, "requested (the last job never started its crawl)")
        return Decision(HOLD, f"job {view.assignment.job} never started its crawl: see the node's log")
    if ended is None:
        return Decision(START, "first crawl")
    if ended == RUNNING:
        # no lease and no live job, yet the status still says running: the crawl process died
        return Decision(START, "resuming a crawl that died")
    if ended == STOPPED:
        return Decision(START, "resuming a crawl that stopped early")
    if ended == LAYOUT_CHANGED:
        if requested:
            return Decision(START, "requested (the last crawl stopped: site layout changed)")
        return Decision(HOLD, "site layout changed: fix the site config, then schedule it by name")
    if requested:
        return Decision(START, "requested")
    finished_at = parse_time(status.get("updated_at"))
    if recrawl_every is None or finished_at is None:
        return Decision(WAIT, "finished; no recrawl_every in the site config")
    due = finished_at + recrawl_every
    if due <= now:
        return Decision(START, f"recrawl due (every {recrawl_every})")
    return Decision(WAIT, f"next crawl at {due.isoformat(timespec='seconds')}")


def pick_node(nodes: dict[str, NodeView], avoid: str | None) -> NodeView | None:
    """The reachable node with the fewest jobs (ties: list order); ``avoid`` only if nothing else answers."""
    live = [n for n in nodes.values() if n.reachable]
    preferred = [n for n in live if n.url != avoid] or live
    return min(preferred, key=lambda n: n.load) if preferred else None


@contextlib.contextmanager
def pass_lock(state_dir: Path) -> Iterator[None]:
    """One scheduling pass at a time for this shared state (waits for a running pass to end)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(state_dir / "schedule.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Outcome:
    site: str
    action: str
    reason: str
    node: str | None = None
    job: str | None = None


@dataclass
class Scheduler:
    """One pass over ``sites`` against ``node_urls``; ``egg`` is the code to run (built by the caller)."""

    state_dir: Path
    node_urls: list[str]
    egg: Egg
    spider_settings: dict[str, str] = field(default_factory=dict)

    def nodes(self) -> dict[str, NodeView]:
        if not self.node_urls:
            raise NoNodeError("no crawl nodes: set SIGNAAL_SCRAPYD_URLS or start local ones with `signaal nodes up`")
        return {url: look_at_node(url) for url in self.node_urls}

    def run(
        self, sites: list[SiteConfig], terms: dict[str, list[str]], *, requested: bool, now: datetime | None = None
    ) -> list[Outcome]:
        """Decide and start, site by site, under the pass lock; returns what happened to each site."""
        with pass_lock(self.state_dir):
            nodes = self.nodes()
            if not any(n.reachable for n in nodes.values()):
                raise NoNodeError(f"none of the {len(nodes)} crawl node(s) answers: {', '.join(nodes)}")
            now = now or datetime.now(UTC)
            out = []
            for cfg in sites:
                view = look_at_site(self.state_dir, cfg.site)
                decision = decide(view, nodes, now=now, recrawl_every=cfg.recrawl_every, requested=requested)
                if decision.action != START:
                    out.append(Outcome(cfg.site, decision.action, decision.reason))
                    continue
                out.append(self._start(cfg, terms.get(cfg.site, []), decision, nodes))
            return out

    def _start(self, cfg: SiteConfig, term_lists: list[str], decision: Decision, nodes: dict[str, NodeView]) -> Outcome:
        tried: list[str] = []
        while (node := pick_node({u: n for u, n in nodes.items() if u not in tried}, decision.avoid)) is not None:
            tried.append(node.url)
            client = Node(node.url)
            job = f"{cfg.site}-{utc_now().replace(':', '').replace('-', '').replace('.', '')}-{secrets.token_hex(2)}"
            try:
                if self.egg.version not in node.versions:
                    client.add_version(PROJECT, self.egg.version, self.egg.path)
                    node.versions.add(self.egg.version)
                args = {"site": cfg.site, "base_url": cfg.base_url, "terms": ",".join(term_lists)}
                client.schedule_job(
                    PROJECT, SPIDER, job, self.egg.version, args, {**FLEET_SETTINGS, **self.spider_settings}
                )
            except NodeError as exc:
                node.reachable, node.error = False, str(exc)
                continue
            node.pending.add(job)
            assignment = Assignment(cfg.site, node.url, job, self.egg.version, utc_now(), decision.reason)
            write_json_atomic(job_path(self.state_dir, cfg.site), asdict(assignment))
            return Outcome(cfg.site, START, decision.reason, node.url, job)
        return Outcome(cfg.site, HOLD, f"{decision.reason}, but no node accepted the job")
