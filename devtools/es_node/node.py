"""Run one Elasticsearch node on a loopback address in the background, and stop it again.

Used by :class:`devtools.es_node.cluster.LocalCluster` (``signaal es up``, the test
fixture, benchmarks). Each node has its own config, data, logs and pid directories
under ``base_dir`` and shares the unpacked distribution. Security is always on,
with users and roles in the file realm (``realm_files``, see
:mod:`devtools.es_node.security`); TLS on HTTP is optional, TLS between nodes is on
whenever there is more than one.
Elasticsearch refuses to run as root, so when we are root the node runs as an
unprivileged system user that owns ``base_dir``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from devtools.es_node.certs import NodeCertificate
from devtools.es_node.hunspell import install_dictionaries
from devtools.es_node.security import write_realm_files
from signaal.es.credentials import Credentials
from signaal.es.errors import EsSetupError

SERVICE_USER = "signaal-es"
CERTS_SUBDIR = "certs"


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


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now on ``host`` (the kernel's choice), for throw-away nodes."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def http_json(
    url: str, *, credentials: Credentials | None = None, ca_certs: Path | None = None, timeout: float = 2.0
) -> dict | None:
    """GET a JSON document, or None when nothing (healthy) answers: used before any client exists."""
    request = urllib.request.Request(url)  # noqa: S310 (a loopback URL we built)
    if credentials is not None and credentials.username:
        token = base64.b64encode(f"{credentials.username}:{credentials.password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    context = ssl.create_default_context(cafile=str(ca_certs)) if ca_certs else None
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as resp:  # noqa: S310
            return json.loads(resp.read())
    except (OSError, urllib.error.URLError, ValueError):
        return None


def _is_zombie(pid: int) -> bool:
    """A killed daemon stays a zombie until something reaps it; it no longer runs."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"


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
    """One node: ``home`` (unpacked distribution) + ``base_dir`` (config, data, logs, run) + addresses.

    Without ``seed_hosts`` it is a single-node cluster; with them it joins the nodes listed there.
    """

    home: Path
    base_dir: Path
    port: int = 9200
    heap: str = "2g"
    cluster_name: str = "signaal"
    host: str = "127.0.0.1"
    node_name: str = ""
    transport_port: int | None = None
    seed_hosts: tuple[str, ...] = ()
    initial_master_nodes: tuple[str, ...] = ()
    http_tls: bool = False
    credentials: Credentials | None = field(default=None, repr=False)  # for health checks (monitor)
    realm_files: dict[str, str] = field(default_factory=dict, repr=False)
    certificate: NodeCertificate | None = None
    missing_dictionaries: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.node_name = self.node_name or f"{self.cluster_name}-1"

    @property
    def url(self) -> str:
        return f"{'https' if self.http_tls else 'http'}://{self.host}:{self.port}"

    @property
    def transport_tls(self) -> bool:
        return bool(self.seed_hosts)

    @property
    def pid_file(self) -> Path:
        return self.base_dir / "run" / "es.pid"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "logs" / f"{self.cluster_name}.log"

    @property
    def config_dir(self) -> Path:
        return self.base_dir / "config"

    def config_text(self) -> str:
        """elasticsearch.yml for a private node bound to its loopback address, security on."""
        lines: dict[str, str] = {
            "cluster.name": self.cluster_name,
            "node.name": self.node_name,
            "network.host": self.host,
            "http.port": str(self.port),
            "path.data": str(self.base_dir / "data"),
            "path.logs": str(self.base_dir / "logs"),
            "xpack.security.enabled": "true",
            "xpack.ml.enabled": "false",
            "action.destructive_requires_name": "false",
            "cluster.routing.allocation.disk.threshold_enabled": "false",
            # Dictionaries load when an index first needs them, not on every node start.
            "indices.analysis.hunspell.dictionary.lazy": "true",
        }
        if self.transport_port:
            lines["transport.port"] = str(self.transport_port)
        if self.seed_hosts:
            lines["discovery.seed_hosts"] = json.dumps(list(self.seed_hosts))
            if self.initial_master_nodes:
                lines["cluster.initial_master_nodes"] = json.dumps(list(self.initial_master_nodes))
        else:
            lines["discovery.type"] = "single-node"
        for layer, enabled in (("http", self.http_tls), ("transport", self.transport_tls)):
            lines[f"xpack.security.{layer}.ssl.enabled"] = str(enabled).lower()
            if enabled:
                lines |= {
                    f"xpack.security.{layer}.ssl.key": f"{CERTS_SUBDIR}/node.key",
                    f"xpack.security.{layer}.ssl.certificate": f"{CERTS_SUBDIR}/node.crt",
                    f"xpack.security.{layer}.ssl.certificate_authorities": f"{CERTS_SUBDIR}/ca.crt",
                }
        if self.transport_tls:
            lines["xpack.security.transport.ssl.verification_mode"] = "full"
        return "".join(f"{key}: {value}\n" for key, value in lines.items())

    def write_config(self) -> Path:
        """Copy the distribution's config dir once, then (re)write elasticsearch.yml, users, dictionaries, certs."""
        conf = self.config_dir
        if not conf.is_dir():
            shutil.copytree(self.home / "config", conf)
        (conf / "elasticsearch.yml").write_text(self.config_text())
        write_realm_files(conf, self.realm_files)
        self.missing_dictionaries = install_dictionaries(conf)
        if self.certificate is not None:
            certs = conf / CERTS_SUBDIR
            certs.mkdir(exist_ok=True)
            for source in (self.certificate.key, self.certificate.certificate, self.certificate.ca):
                shutil.copyfile(source, certs / source.name)
            (certs / self.certificate.key.name).chmod(0o600)
        for sub in ("data", "logs", "run"):
            (self.base_dir / sub).mkdir(parents=True, exist_ok=True)
        return conf

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "ES_JAVA_HOME": str(find_java_home()),
            "ES_PATH_CONF": str(self.config_dir),
            "ES_JAVA_OPTS": f"-Xms{self.heap} -Xmx{self.heap}",
        }

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
        return None if _is_zombie(pid) else pid

    def health(self) -> dict | None:
        """This node's view of the cluster health (None: not answering, or not yet to these credentials)."""
        ca = self.certificate.ca if self.certificate and self.http_tls else None
        return http_json(f"{self.url}/_cluster/health", credentials=self.credentials, ca_certs=ca)

    def healthy(self, nodes: int = 1) -> bool:
        health = self.health()
        return bool(health) and health.get("status") in ("green", "yellow") and health["number_of_nodes"] >= nodes

    def prepare(self) -> list[str]:
        """Config, keystore and ownership before a start; returns the command that starts the node."""
        if port_in_use(self.port, self.host):
            raise EsSetupError(f"port {self.port} is already in use on {self.host}; choose another with --port")
        self.write_config()
        cmd = [str(self.home / "bin" / "elasticsearch"), "-d", "-p", str(self.pid_file)]
        if os.geteuid() == 0:
            user = ensure_service_user()
            _check_traversable(self.base_dir)
            _check_traversable(self.home)
            for path in [self.base_dir, *self.base_dir.rglob("*")]:
                os.chown(path, user.pw_uid, user.pw_gid)
            cmd = ["runuser", "-u", SERVICE_USER, "--", *cmd]
        return cmd

    def launch(self) -> subprocess.Popen:
        """Start the daemonising launcher; it exits once the node runs (see :meth:`wait_launched`)."""
        cmd = self.prepare()
        env = self._env()
        return subprocess.Popen(  # noqa: S603
            cmd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wait_launched(self, launcher: subprocess.Popen, timeout: float) -> None:
        """Wait for the launcher to exit; a non-zero exit is the node refusing to start."""
        try:
            output, _ = launcher.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            launcher.kill()
            launcher.communicate()
            self.stop()
            raise EsSetupError(
                f"Elasticsearch {self.node_name} did not start within {timeout:.0f}s{self._log_hint()}"
            ) from None
        if launcher.returncode != 0:
            detail = output.strip().splitlines()[-1:] or ["no output"]
            raise EsSetupError(f"Elasticsearch failed to start: {detail[0][:300]}{self._log_hint()}")

    def wait_healthy(self, started: float, timeout: float, nodes: int = 1) -> float:
        """Poll health until this node sees ``nodes`` nodes and yellow or green; seconds since ``started``."""
        while time.monotonic() - started < timeout:
            if self.healthy(nodes):
                return time.monotonic() - started
            if self.pid() is None and time.monotonic() - started > 10:
                break
            time.sleep(0.5)
        self.stop()
        raise EsSetupError(f"Elasticsearch did not become healthy within {timeout:.0f}s{self._log_hint()}")

    def start(self, timeout: float = 180.0, nodes: int = 1) -> float:
        """Start in the background and wait for health; returns seconds until healthy."""
        if self.pid() and self.healthy(nodes):
            return 0.0
        started = time.monotonic()
        self.wait_launched(self.launch(), timeout)
        return self.wait_healthy(started, timeout, nodes)

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

    def kill(self, timeout: float = 30.0) -> None:
        """SIGKILL, as a crash would (fault tests); waits until the process is gone."""
        pid = self.pid()
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while self.pid() is not None and time.monotonic() < deadline:
            time.sleep(0.1)

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
            self.kill()
        self.pid_file.unlink(missing_ok=True)
        return True
