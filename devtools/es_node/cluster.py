"""A local Elasticsearch cluster of one or more nodes on loopback: the same code for one node and three.

Node ``i`` listens on ``127.0.0.i`` (Linux routes all of 127/8 to the loopback
device), so every node can use the same HTTP port and the same transport port
(HTTP port + 100), as machines of a real cluster would; tests pick free ports
instead. Each node has its own directory under ``root`` (``node``, ``node-2``,
``node-3``), runs as the unprivileged service user, and with more than one node
talks to the others over TLS with certificates from a private CA (``root/certs``).
Security is always on: every component's password is generated once
(``root/credentials/<component>.json``, mode 0600) and its user and role are written
into each node's file realm before the node starts (:mod:`devtools.es_node.security`).
``root/connection.json`` tells clients the node URLs and the CA.
"""

from __future__ import annotations

import json
import os
import pwd
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from devtools.es_node.certs import issue_node_certificate
from devtools.es_node.node import SERVICE_USER, LocalElasticsearch, free_port
from devtools.es_node.security import component_credentials, realm_files, write_realm_files
from signaal.es.client import get_client
from signaal.es.credentials import read_credentials
from signaal.settings import CONNECTION_FILE, CREDENTIALS_DIR

HEALTH_COMPONENT = "admin"
MAX_NODES = 9
TRANSPORT_OFFSET = 100
STATE_FILE = "node.json"


@dataclass
class LocalCluster:
    """``nodes`` nodes sharing one distribution (``home``), with their files under ``root``."""

    home: Path
    root: Path
    nodes: int = 1
    port: int = 9200
    transport_port: int | None = None  # default: HTTP port + 100 (a single node picks its own)
    heap: str = "2g"
    http_tls: bool = False
    cluster_name: str = "signaal"
    free_ports: bool = False
    members: list[LocalElasticsearch] = field(init=False)

    def __post_init__(self) -> None:
        if not 1 <= self.nodes <= MAX_NODES:
            raise ValueError(f"a local cluster has 1 to {MAX_NODES} nodes, not {self.nodes}")
        transport = self.transport_port or self.port + TRANSPORT_OFFSET
        ports = [
            (free_port(self.host(i)), free_port(self.host(i))) if self.free_ports else (self.port, transport)
            for i in range(1, self.nodes + 1)
        ]
        seeds = tuple(f"{self.host(i)}:{tp}" for i, (_, tp) in enumerate(ports, start=1)) if self.nodes > 1 else ()
        self.members = [
            LocalElasticsearch(
                home=self.home,
                base_dir=self.node_dir(i),
                port=http_port,
                heap=self.heap,
                cluster_name=self.cluster_name,
                host=self.host(i),
                node_name=f"{self.cluster_name}-{i}",
                transport_port=transport_port if self.nodes > 1 or self.free_ports else None,
                seed_hosts=seeds,
                http_tls=self.http_tls,
            )
            for i, (http_port, transport_port) in enumerate(ports, start=1)
        ]

    @classmethod
    def recorded(cls, home: Path, root: Path, **options: Any) -> LocalCluster:
        """The cluster ``signaal es up`` recorded under ``root`` (nodes, port, heap, TLS), ``options`` winning."""
        state_file = root / STATE_FILE
        state: dict[str, Any] = json.loads(state_file.read_text()) if state_file.is_file() else {}
        state = {key: value for key, value in state.items() if key in ("nodes", "port", "heap", "http_tls")}
        return cls(home=home, root=root, **{**state, **{k: v for k, v in options.items() if v is not None}})

    def record(self) -> None:
        """Remember how this cluster was started, for the next ``signaal es up`` / ``down`` / ``rotate``."""
        state = {"nodes": self.nodes, "port": self.port, "heap": self.heap, "http_tls": self.http_tls}
        (self.root / STATE_FILE).write_text(json.dumps(state))

    @staticmethod
    def host(i: int) -> str:
        return f"127.0.0.{i}"

    def node_dir(self, i: int) -> Path:
        return self.root / ("node" if i == 1 else f"node-{i}")

    @property
    def credentials_dir(self) -> Path:
        return self.root / CREDENTIALS_DIR

    @property
    def certs_dir(self) -> Path:
        return self.root / "certs"

    @property
    def connection_file(self) -> Path:
        return self.root / CONNECTION_FILE

    @property
    def hosts(self) -> list[str]:
        return [member.url for member in self.members]

    @property
    def ca_certs(self) -> Path | None:
        return self.certs_dir / "ca.crt" if self.http_tls else None

    def prepare_members(self, bootstrap: bool, rotate: tuple[str, ...] = ()) -> dict[str, str]:
        """Credentials, realm files, certificates and discovery settings of every node; returns outcomes."""
        credentials, outcomes = component_credentials(self.credentials_dir, rotate=rotate)
        files = realm_files(credentials)
        names = tuple(member.node_name for member in self.members)
        for member in self.members:
            member.credentials = credentials[HEALTH_COMPONENT]
            member.realm_files = files
            member.initial_master_nodes = names if bootstrap and self.nodes > 1 else ()
            if self.http_tls or self.nodes > 1:
                member.certificate = issue_node_certificate(
                    self.certs_dir, self.certs_dir / member.node_name, member.node_name, [member.host]
                )
        return outcomes

    def running(self) -> bool:
        """Every node's process is alive and the first one sees all of them."""
        self.prepare_members(bootstrap=False)
        return all(member.pid() for member in self.members) and self.members[0].healthy(self.nodes)

    def start(self, timeout: float = 180.0) -> float:
        """Start every node at once (they elect a master together), wait for health, provision users."""
        if self.running():
            return 0.0
        bootstrap = not any(any((member.base_dir / "data").glob("*")) for member in self.members)
        self.prepare_members(bootstrap)
        started = time.monotonic()
        try:
            launchers = [(member, member.launch()) for member in self.members if member.pid() is None]
            for member, launcher in launchers:
                member.wait_launched(launcher, timeout)
            self.members[0].wait_healthy(started, timeout, nodes=self.nodes)
        except BaseException:
            self.stop()
            raise
        self.connection_file.write_text(json.dumps({"hosts": self.hosts, "ca_certs": _str(self.ca_certs)}))
        return time.monotonic() - started

    def start_node(self, index: int, timeout: float = 180.0) -> float:
        """(Re)start one member (0-based) into the running cluster; seconds until it has joined."""
        self.prepare_members(bootstrap=False)
        return self.members[index].start(timeout, nodes=self.nodes)

    def rotate(self, components: tuple[str, ...]) -> dict[str, str]:
        """New passwords for ``components``, written to their files and to every node's realm files.

        Running nodes pick the change up within seconds (the file realm is watched); processes
        holding the old password must be restarted.
        """
        outcomes = self.prepare_members(bootstrap=False, rotate=components)
        owner = None
        if os.geteuid() == 0:
            user = pwd.getpwnam(SERVICE_USER)
            owner = (user.pw_uid, user.pw_gid)
        for member in self.members:
            if member.config_dir.is_dir():
                write_realm_files(member.config_dir, member.realm_files, owner)
        return outcomes

    def stop(self) -> bool:
        """Stop every node; True if any was running."""
        return any([member.stop() for member in self.members])

    def client(self, component: str, **options: float) -> Elasticsearch:
        """A client for ``component`` over all nodes, with that component's credentials from this cluster."""
        credentials = read_credentials(self.credentials_dir, component)
        return get_client(
            ",".join(self.hosts), component=component, credentials=credentials, ca_certs=self.ca_certs, **options
        )

    def env(self) -> dict[str, str]:
        """Environment for processes (CLI runs, tests) that use this cluster like an external one."""
        env = {"SIGNAAL_ES_URL": ",".join(self.hosts), "SIGNAAL_ES_CREDENTIALS_DIR": str(self.credentials_dir)}
        if self.ca_certs is not None:
            env["SIGNAAL_ES_CA_CERTS"] = str(self.ca_certs)
        return env


def _str(path: Path | None) -> str | None:
    return str(path) if path is not None else None
