"""Run one single-node Elasticsearch on 127.0.0.1 in the background, and stop it again.

Used by ``signaal es up/down`` (node under ``var/es/node``) and by the test
fixture (a throw-away node per test session). Each node has its own config,
data, logs and pid directories under ``base_dir`` and shares the unpacked
distribution. Elasticsearch refuses to run as root, so when we are root the
node runs as an unprivileged system user that owns ``base_dir``.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from signaal.es.errors import EsSetupError

SERVICE_USER = "signaal-es"


def find_java_home() -> Path:
    """Java for the server: ``ES_JAVA_HOME``, then ``JAVA_HOME``, then ``java`` on PATH (17 or newer)."""
    for var in ("ES_JAVA_HOME", "JAVA_HOME"):
        value = os.environ.get(var)
        if value and (Path(value) / "bin" / "java").is_file():
            return Path(value)
    java = shutil.which("java")
    if java is None:
        raise EsSetupError("Java not found; install a JDK 17+ (apt-get install -y openjdk-17-jre-headless)")
    return Path(java).resolve().parents[1]


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    """A port nobody listens on right now (the kernel's choice), for throw-away nodes."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_json(url: str, timeout: float = 2.0) -> dict | None:
    """GET a JSON document, or None when nothing (healthy) answers: used before any client exists."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (loopback URL we built)
            return json.loads(resp.read())
    except (OSError, urllib.error.URLError, ValueError):
        return None


def ensure_service_user(name: str = SERVICE_USER) -> pwd.struct_passwd:
    """Create the unprivileged system user once (only when running as root)."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        subprocess.run(  # noqa: S603
            [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(name)


def _check_traversable(path: Path) -> None:
    """Every parent of the node's directories must let the service user pass (o+x)."""
    for parent in path.resolve().parents:
        if not parent.stat().st_mode & 0o001:
            raise EsSetupError(
                f"{parent} is not traversable by user {SERVICE_USER}; chmod o+x it or use another directory"
            )


@dataclass
class LocalElasticsearch:
    """One node: ``home`` (unpacked distribution) + ``base_dir`` (config, data, logs, run) + ``port``."""

    home: Path
    base_dir: Path
    port: int = 9200
    heap: str = "2g"
    cluster_name: str = "signaal"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.base_dir / "run" / "es.pid"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "logs" / f"{self.cluster_name}.log"

    def config_text(self) -> str:
        """elasticsearch.yml for a private single node bound to loopback."""
        lines = {
            "cluster.name": self.cluster_name,
            "node.name": f"{self.cluster_name}-1",
            "discovery.type": "single-node",
            "network.host": "127.0.0.1",
            "http.port": str(self.port),
            "path.data": str(self.base_dir / "data"),
            "path.logs": str(self.base_dir / "logs"),
            "xpack.security.enabled": "false",
            "xpack.ml.enabled": "false",
            "action.destructive_requires_name": "false",
            "cluster.routing.allocation.disk.threshold_enabled": "false",
        }
        return "".join(f"{key}: {value}\n" for key, value in lines.items())

    def write_config(self) -> Path:
        """Copy the distribution's config dir once, then (re)write elasticsearch.yml; returns ES_PATH_CONF."""
        conf = self.base_dir / "config"
        if not conf.is_dir():
            shutil.copytree(self.home / "config", conf)
        (conf / "elasticsearch.yml").write_text(self.config_text())
        for sub in ("data", "logs", "run"):
            (self.base_dir / sub).mkdir(parents=True, exist_ok=True)
        return conf

    def pid(self) -> int | None:
        """The recorded pid if that process is still alive."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return pid
        return pid

    def healthy(self) -> bool:
        health = http_json(f"{self.url}/_cluster/health")
        return bool(health) and health.get("status") in ("green", "yellow")

    def start(self, timeout: float = 180.0) -> float:
        """Start in the background and wait for health; returns seconds until healthy."""
        if self.pid() and self.healthy():
            return 0.0
        if port_in_use(self.port):
            raise EsSetupError(f"port {self.port} is already in use on 127.0.0.1; choose another with --port")
        java_home = find_java_home()
        conf = self.write_config()
        cmd = [str(self.home / "bin" / "elasticsearch"), "-d", "-p", str(self.pid_file)]
        env = {
            **os.environ,
            "ES_JAVA_HOME": str(java_home),
            "ES_PATH_CONF": str(conf),
            "ES_JAVA_OPTS": f"-Xms{self.heap} -Xmx{self.heap}",
        }
        if os.geteuid() == 0:
            user = ensure_service_user()
            _check_traversable(self.base_dir)
            _check_traversable(self.home)
            for path in [self.base_dir, *self.base_dir.rglob("*")]:
                os.chown(path, user.pw_uid, user.pw_gid)
            cmd = ["runuser", "-u", SERVICE_USER, "--", *cmd]
        started = time.monotonic()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise EsSetupError(f"Elasticsearch failed to start: {detail[0][:300]}{self._log_hint()}")
        while time.monotonic() - started < timeout:
            if self.healthy():
                return time.monotonic() - started
            if self.pid() is None and time.monotonic() - started > 10:
                break
            time.sleep(0.5)
        self.stop()
        raise EsSetupError(f"Elasticsearch did not become healthy within {timeout:.0f}s{self._log_hint()}")

    def _log_hint(self) -> str:
        return f"; last log lines:\n{self.log_tail()}" if self.log_file.exists() else ""

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_file.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        # Java stack frames drown the cause: keep the message lines.
        useful = [line for line in text if not line.lstrip().startswith(("at ", "..."))]
        return "\n".join(useful[-lines:])

    def stop(self, timeout: float = 30.0) -> bool:
        """SIGTERM the recorded pid, wait, then SIGKILL; True if a process was stopped."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.pid() is not None:
            time.sleep(0.2)
        if self.pid() is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            while self.pid() is not None:
                time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)
        return True
