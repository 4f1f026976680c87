"""``signaal schedule --status``: per node and site, what runs, what ended how, ads, pages/s, last error."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.fleet.scheduler import JOB_SUFFIX, NodeView, SiteView, job_state, look_at_site, parse_time
from crawler.lease import LEASE_SUFFIX
from crawler.runstatus import FINISHED, LAYOUT_CHANGED, RUNNING, STATUS_SUFFIX, STOPPED

# a running crawl rewrites its lease every SIGNAAL_STATUS_INTERVAL (5 s); this much silence is worth saying
STALE_HEARTBEAT_S = 60.0
ENDED_LABELS = {
    FINISHED: "finished",
    STOPPED: "stopped (resumable)",
    LAYOUT_CHANGED: "site layout changed",
    RUNNING: "failed (crawl died)",
}


@dataclass(frozen=True)
class StatusRow:
    node: str
    site: str
    state: str
    job: str | None
    ads: int | None
    pages_per_s: float | None
    last_error: str | None
    updated_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def known_sites(state_dir: Path) -> list[str]:
    """Sites with a status, assignment or lease file in the shared state directory."""
    names = set()
    for suffix in (STATUS_SUFFIX, JOB_SUFFIX, LEASE_SUFFIX):
        names.update(p.name.removesuffix(suffix) for p in state_dir.glob(f"*{suffix}"))
    return sorted(names)


def _age_s(value: str | None, now: datetime) -> float | None:
    moment = parse_time(value)
    return (now - moment).total_seconds() if moment else None


def describe(view: SiteView, nodes: dict[str, NodeView], now: datetime) -> str:
    """One word or phrase for the site's state (running, pending, finished, failed (...), ...)."""
    if view.lease is not None and view.lease.held:
        age = _age_s(view.lease.heartbeat_at, now)
        return "running" if age is None or age < STALE_HEARTBEAT_S else f"running (no heartbeat for {age:.0f} s)"
    state = job_state(view, nodes)
    if state == "pending":
        return "pending"
    if state == "running":
        return "starting"
    status = view.status or {}
    ours = view.assignment is None or status.get("job") == view.assignment.job
    ended = status.get("state") if ours else None
    if state == "lost" and ended != FINISHED:
        return "stopped (resumable), node unreachable" if ended == STOPPED else "failed (node unreachable)"
    if view.assignment is not None and not ours:
        return "failed (job did not start its crawl)"
    return ENDED_LABELS.get(ended or "", "never crawled")


def status_rows(state_dir: Path, sites: list[str], nodes: dict[str, NodeView], now: datetime) -> list[StatusRow]:
    rows = []
    for site in sites:
        view = look_at_site(state_dir, site)
        status = view.status or {}
        ours = view.assignment is None or status.get("job") == view.assignment.job
        node = view.assignment.node if view.assignment else str(status.get("node") or "-")
        rows.append(
            StatusRow(
                node=node,
                site=site,
                state=describe(view, nodes, now),
                job=view.assignment.job if view.assignment else status.get("job"),
                ads=status.get("ads") if ours else None,
                pages_per_s=status.get("pages_per_s") if ours else None,
                last_error=status.get("last_error") if ours else None,
                updated_at=status.get("updated_at") if ours else None,
            )
        )
    return sorted(rows, key=lambda r: (r.node, r.site))


def render(rows: list[StatusRow], nodes: dict[str, NodeView]) -> str:
    """The nodes (reachable, jobs) and then one line per site, grouped by node."""
    lines = []
    for node in nodes.values():
        health = f"{len(node.running)} running, {len(node.pending)} pending" if node.reachable else "UNREACHABLE"
        lines.append(f"node {node.url}: {health}")
    lines.append("")
    lines.append(f"{'node':28} {'site':14} {'state':30} {'ads':>7} {'pages/s':>8}  last error")
    for r in rows:
        ads = "-" if r.ads is None else str(r.ads)
        rate = "-" if r.pages_per_s is None else f"{r.pages_per_s:.1f}"
        lines.append(f"{r.node:28} {r.site:14} {r.state:30} {ads:>7} {rate:>8}  {r.last_error or '-'}")
    return "\n".join(lines)
