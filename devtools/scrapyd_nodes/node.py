"""Run local Scrapyd crawl nodes on loopback ports, for the demo, tests and benchmarks.

Each node has its own directory (``scrapyd.conf``, eggs, job queue, logs) and
runs ``python -m scrapyd`` in the foreground of its own process group, so that
stopping a node stops the crawls it started too (Scrapyd starts each crawl as
a child process), as switching off a machine would. The nodes share this
installation's ``var/`` (``SIGNAAL_VAR_DIR``): crawl state, evidence and spool
are on storage every node sees, as docs/deployment.md asks of real machines.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from crawler.fleet.nodes import Node
from devtools.es_node.node import port_in_use

CONF_TEMPLATE = """\
[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
eggs_dir = {base}/eggs
dbs_dir = {base}/dbs
logs_dir = {base}/logs
items_dir =
jobs_to_keep = 20
finished_to_keep = 200
max_proc = {max_proc}
poll_interval = {poll_interval}
"""


class NodeStartError(RuntimeError):
    """A local node did not come up (the message carries its last log lines)."""


@dataclass
class LocalScrapyd:
    """One Scrapyd daemon: ``base_dir`` (config, eggs, queue, logs) + a loopback ``port``."""

    node_id: str
    base_dir: Path
    port: int
    max_proc: int = 4
    poll_interval: float = 1.0
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "scrapyd.log"

    @property
    def pid_file(self) -> Path:
        return self.base_dir / "scrapyd.pid"

    def write_config(self) -> None:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        text = CONF_TEMPLATE.format(
            port=self.port, base=self.base_dir, max_proc=self.max_proc, poll_interval=self.poll_interval
        )
        (self.base_dir / "scrapyd.conf").write_text(text)

    def environment(self, var_dir: Path) -> dict[str, str]:
        """The node's environment: this one, plus where the shared data and the unpacked eggs live."""
        return {
            **os.environ,
            "SIGNAAL_VAR_DIR": str(var_dir),
            "SIGNAAL_NODE_ID": self.node_id,
            "SIGNAAL_EGG_CACHE": str(var_dir / "scrapyd" / "code"),
        }

    def pid(self) -> int | None:
        """The recorded pid if that process is still alive."""
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def start(self, var_dir: Path, timeout: float = 60.0) -> float:
        """Start the daemon and wait until its API answers; returns the seconds that took."""
        if self.pid() and Node(self.url).reachable():
            return 0.0
        if port_in_use(self.port):
            raise NodeStartError(f"port {self.port} is already in use on 127.0.0.1")
        self.write_config()
        started = time.monotonic()
        with self.log_file.open("ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "scrapyd", "--pidfile", ""],
                cwd=self.base_dir,
                env=self.environment(var_dir),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._proc = proc
        self.pid_file.write_text(str(proc.pid))
        node = Node(self.url, timeout_s=1.0)
        while time.monotonic() - started < timeout:
            if proc.poll() is not None:
                break
            if node.reachable():
                return time.monotonic() - started
            time.sleep(0.1)
        self.stop()
        raise NodeStartError(f"Scrapyd node {self.node_id} did not answer on {self.url}:\n{self.log_tail()}")

    def log_tail(self, lines: int = 10) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL the node and every crawl it started: what a machine failing looks like to the others."""
        pid = self.pid()
        self._signal_group(signal.SIGKILL)
        if pid is not None:
            self._wait_gone(pid, timeout=10.0)

    def stop(self, timeout: float = 30.0) -> bool:
        """SIGTERM the node's process group (running crawls stop cleanly and stay resumable), then SIGKILL."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        self._signal_group(signal.SIGTERM)
        if not self._wait_gone(pid, timeout):
            self._signal_group(signal.SIGKILL)
            self._wait_gone(pid, timeout=10.0)
        self.pid_file.unlink(missing_ok=True)
        return True

    def _wait_gone(self, pgid: int, timeout: float) -> bool:
        """Wait until no process of the group is left (True), or ``timeout`` passed (False)."""
        deadline = time.monotonic() + timeout
        while self._group_alive(pgid):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def _signal_group(self, sig: signal.Signals) -> None:
        pid = self.pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, sig)

    def _group_alive(self, pgid: int) -> bool:
        """Whether a live (not zombie) process of the group is left; our own child is reaped first."""
        if self._proc is not None:
            self._proc.poll()
        for proc in psutil.process_iter(["status"]):
            with contextlib.suppress(psutil.Error, ProcessLookupError):
                if os.getpgid(proc.pid) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                    return True
        return False
