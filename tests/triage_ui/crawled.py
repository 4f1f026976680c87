"""A real fixture crawl for UI tests that need real WARC evidence: `signaal crawl` into the test's prefix.

The fixture sites run in this process; each crawl is its own `signaal crawl` process (Scrapy's reactor
cannot restart), writing WARC files, crawl state and keys under one temporary var/ tree.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from signaal.evidence.seal import PUBLIC_NAME
from tests.helpers import run

SIGNAAL = str(Path(sys.executable).with_name("signaal"))
#: The prikbord page that also carries scripts, a form, a refresh, remote images, a frame (fault mode).
ACTIVE_AD = "prikbord:p00002"
#: A prikbord ad the fixture generator edits in epoch 2, so a re-crawl gives it a version 2.
EDITED_AD = "prikbord:p00009"
FAULTS = {"prikbord": {"/ad/p00002": {"kind": "active_content"}}}


@dataclass
class Crawled:
    """Where one test module's crawl left its files."""

    root: Path

    @property
    def evidence_dir(self) -> Path:
        return self.root / "evidence"

    @property
    def public_key(self) -> Path:
        return self.root / "keys" / PUBLIC_NAME

    def crawl(self, site: str, base_url: str, *extra: str) -> None:
        self.signaal("crawl", site, "--base-url", base_url, "--no-search", *extra)

    def signaal(self, *args: str) -> None:
        """Run a ``signaal`` command on this var/ tree (and the test's index prefix, from the environment)."""
        env = {**os.environ, "SIGNAAL_VAR_DIR": str(self.root), "SIGNAAL_KEY_DIR": str(self.root / "keys")}
        proc = run([SIGNAAL, *args], env=env)
        assert proc.returncode == 0, proc.stderr[-3000:]
