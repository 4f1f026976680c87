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
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from crawler.runstatus import read_json, status_path
from devtools.es_node.node import free_port
from devtools.scrapyd_nodes.node import LocalScrapyd

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

    def signaal(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SIGNAAL, *args], env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def status(self) -> dict[str, dict[str, Any]]:
        """``signaal schedule --status --json``, sites by name."""
        proc = self.signaal("schedule", "--status", "--json", timeout=60)
        assert proc.returncode == 0, proc.stderr
        return {row["site"]: row for row in json.loads(proc.stdout)["sites"]}

    def wait_for_crawl(self, site: str, predicate: Any, what: str, timeout: float = 120.0) -> dict[str, Any]:
        """Poll the site's status file until ``predicate(status)`` holds; fail naming ``what`` after ``timeout``
        seconds, or at once when the crawl has ended first."""
        deadline = time.monotonic() + timeout
        path = status_path(self.root / "crawl-state", site)
        while True:
            status = read_json(path) or {}
            if predicate(status):
                return status
            assert status.get("state") in (None, "running"), f"the crawl ended before {what}: {status}"
            assert time.monotonic() < deadline, f"timed out waiting for {what}: {status}"
            time.sleep(0.2)

    def node_for(self, url: str) -> LocalScrapyd:
        return next(n for n in self.nodes if n.url == url)


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    """Two local Scrapyd nodes sharing ``tmp_path/var`` (the environment, e.g. the index prefix, is inherited)."""
    root = tmp_path / "var"
    nodes = [LocalScrapyd(f"node-{i}", root / "scrapyd" / f"node-{i}", free_port(), max_proc=2) for i in (1, 2)]
    try:
        for node in nodes:
            node.start(root)
        yield Fleet(root, nodes)
    finally:
        for node in nodes:
            node.stop(timeout=20)
