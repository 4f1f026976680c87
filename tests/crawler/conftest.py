"""Helpers for crawler integration tests: fixture sites on 127.0.0.1 and `signaal crawl` as a subprocess.

Scrapy's Twisted reactor cannot restart inside one pytest process, so every
crawl runs as its own ``signaal crawl`` process, exactly as an operator runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.helpers import run

SIGNAAL = str(Path(sys.executable).with_name("signaal"))


@dataclass
class CrawlResult:
    code: int
    summary: dict[str, Any]
    stderr: str


@dataclass
class Workspace:
    """One installation's var/ tree (state, evidence, spool, keys) for a test."""

    root: Path

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(SIGNAAL_VAR_DIR=str(self.root), SIGNAAL_KEY_DIR=str(self.root / "keys"))
        return env

    @property
    def out(self) -> Path:
        return self.root / "out.jsonl"

    def args(self, site: str, base_url: str, *extra: str, index: bool = False) -> list[str]:
        args = [SIGNAAL, "crawl", site, "--base-url", base_url, "--out", str(self.out)]
        return [*args, *([] if index else ["--no-index"]), "--set", "SIGNAAL_PROGRESS_INTERVAL=1", *extra]

    def crawl(self, site: str, base_url: str, *extra: str, index: bool = False) -> CrawlResult:
        proc = run(self.args(site, base_url, *extra, index=index), env=self.env)
        lines = proc.stdout.strip().splitlines()
        summary = json.loads(lines[-1]) if lines else {}
        return CrawlResult(proc.returncode, summary, proc.stderr)

    def rows(self) -> list[dict[str, Any]]:
        if not self.out.exists():
            return []
        return [orjson.loads(line) for line in self.out.read_bytes().splitlines() if line.strip()]

    def signaal(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run([SIGNAAL, *args], env=self.env)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "var")


@pytest.fixture
def site_ids():
    """Ground-truth ad ids of one site: ``site_ids(corpus, "prikbord")``."""
    return lambda corpus, site: {ad["id"] for ad in corpus.site_ads(site)}
