"""Local Scrapyd nodes for fleet tests: real ``python -m scrapyd`` daemons on loopback ports, one shared var/.

Every test gets its own installation directory (crawl state, evidence, spool,
keys: the storage the nodes share) and two fresh nodes, stopped (with every crawl
they started) when the test ends, whatever happened.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from crawler.runstatus import read_json, status_path
from devtools.es_node.node import free_port
from devtools.scrapyd_nodes.node import LocalScrapyd
from tests.helpers import DEADLINE_S, run, wait_until

SIGNAAL = str(Path(sys.executable).with_name("signaal"))


@dataclass
class Fleet:
    root: Path
    nodes: list[LocalScrapyd]
    site_urls: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            SIGNAAL_VAR_DIR=str(self.root),
            SIGNAAL_KEY_DIR=str(self.root / "keys"),
            SIGNAAL_SCRAPYD_URLS=",".join(n.url for n in self.nodes),
            SIGNAAL_PROGRESS="lines",
        )
        for site, url in self.site_urls.items():
            env[f"SIGNAAL_SITE_{site.upper().replace('-', '_')}_URL"] = url
        return env

    def signaal(self, *args: str, deadline_s: float = DEADLINE_S) -> subprocess.CompletedProcess[str]:
        """A ``signaal`` run against the fleet, killed with its children if it has not exited after ``deadline_s``."""
        return run([SIGNAAL, *args], env=self.env, deadline_s=deadline_s)

    def schedule_and_wait(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``signaal schedule ARGS --wait``: it gives up after the shared deadline and reports; the run itself is
        killed only a minute later, so a hang shows that report."""
        wait = ("--wait", "--timeout", f"{DEADLINE_S:.0f}")
        return self.signaal("schedule", *args, *wait, deadline_s=DEADLINE_S + 60)

    def status(self) -> dict[str, dict[str, Any]]:
        """``signaal schedule --status --json``, sites by name."""
        proc = self.signaal("schedule", "--status", "--json")
        assert proc.returncode == 0, proc.stderr
        return {row["site"]: row for row in json.loads(proc.stdout)["sites"]}

    def wait_for_crawl(self, site: str, predicate: Any, what: str) -> dict[str, Any]:
        """Wait until the site's status file satisfies ``predicate(status)``; fail naming ``what`` at the shared
        deadline, or at once when the crawl has ended first."""
        path = status_path(self.root / "crawl-state", site)

        def reached() -> dict[str, Any] | None:
            status = read_json(path) or {}
            if predicate(status):
                return status
            assert status.get("state") in (None, "running"), f"the crawl ended before {what}: {status}"
            return None

        return wait_until(reached, what)

    def node_for(self, url: str) -> LocalScrapyd:
        return next(n for n in self.nodes if n.url == url)


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    """Two local Scrapyd nodes sharing ``tmp_path/var`` (the environment, e.g. the index prefix, is inherited)."""
    root = tmp_path / "var"
    nodes = [LocalScrapyd(f"node-{i}", root / "scrapyd" / f"node-{i}", free_port(), max_proc=2) for i in (1, 2)]
    try:
        for node in nodes:
            node.start(root, timeout=DEADLINE_S)
        yield Fleet(root, nodes)
    finally:
        for node in nodes:
            node.stop(timeout=20)
