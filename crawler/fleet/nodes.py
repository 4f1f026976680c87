"""The Scrapyd crawl nodes: where their list comes from and how to talk to one.

Production lists its nodes in ``SIGNAAL_SCRAPYD_URLS`` (comma- or space-separated
base URLs). Without it, the local nodes that ``signaal nodes up`` started on this
machine are used (their URLs are kept in ``var/scrapyd/nodes.json``).

:class:`Node` is scrapyd-client's ``ScrapydClient`` with a time limit on every
request (a node whose machine is gone must read as "unreachable" within seconds,
not after the operating system's connect timeout) and the one call it lacks,
``addversion.json``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import orjson
import requests
from scrapyd_client.exceptions import ErrorResponse, MalformedResponse
from scrapyd_client.pyclient import HEADERS, ScrapydClient, _process_response

from signaal.paths import var_dir

REQUEST_TIMEOUT_S = 5.0
# deploying waits for the node to run ``scrapy list`` on the new egg (a Scrapy start-up)
DEPLOY_TIMEOUT_S = 120.0


class NodeError(RuntimeError):
    """A node refused a request or did not answer (the message names the node)."""


def local_nodes_file() -> Path:
    return var_dir() / "scrapyd" / "nodes.json"


def node_urls() -> list[str]:
    """``SIGNAAL_SCRAPYD_URLS``, else the nodes ``signaal nodes up`` started here; may be empty."""
    env = os.environ.get("SIGNAAL_SCRAPYD_URLS", "")
    if env.strip():
        return [u.rstrip("/") for u in re.split(r"[,\s]+", env.strip()) if u]
    path = local_nodes_file()
    if not path.is_file():
        return []
    return [str(n["url"]).rstrip("/") for n in orjson.loads(path.read_bytes()).get("nodes", [])]


class Node(ScrapydClient):
    """One Scrapyd node; every call raises :class:`NodeError` on failure."""

    def __init__(self, url: str, timeout_s: float = REQUEST_TIMEOUT_S) -> None:
        super().__init__(url.rstrip("/"))
        self.timeout_s = timeout_s

    def _get(self, basename: str, params: dict[str, Any] | None = None) -> Any:
        return self._call("GET", basename, params=params or {})

    def _post(self, basename: str, data: Any, files: Any = None, timeout_s: float | None = None) -> Any:
        return self._call("POST", basename, data=data, files=files, timeout_s=timeout_s)

    def _call(self, method: str, basename: str, timeout_s: float | None = None, **kwargs: Any) -> Any:
        try:
            response = requests.request(
                method,
                f"{self.url}/{basename}.json",
                headers=HEADERS,
                auth=self.auth,
                timeout=timeout_s or self.timeout_s,
                **kwargs,
            )
            return _process_response(response)
        except requests.RequestException as exc:
            raise NodeError(f"node {self.url} unreachable ({type(exc).__name__})") from None
        except (ErrorResponse, MalformedResponse) as exc:
            raise NodeError(f"node {self.url}: {str(exc).strip()[:300]}") from None

    def reachable(self) -> bool:
        try:
            self.daemonstatus()
        except NodeError:
            return False
        return True

    def add_version(self, project: str, version: str, egg: Path) -> None:
        """Upload an egg as ``version`` of ``project`` (the node checks it by listing its spiders)."""
        with egg.open("rb") as fh:
            self._post(
                "addversion",
                data={"project": project, "version": version},
                files=[("egg", (egg.name, fh))],
                timeout_s=DEPLOY_TIMEOUT_S,
            )

    def project_versions(self, project: str) -> list[str]:
        """Versions of ``project`` on this node ([] when the project was never deployed here)."""
        if project not in self.projects():
            return []
        return self.versions(project)

    def project_jobs(self, project: str) -> dict[str, list[dict[str, Any]]]:
        """pending / running / finished jobs of ``project`` (empty lists when it was never deployed here)."""
        if project not in self.projects():
            return {"pending": [], "running": [], "finished": []}
        data = self.jobs(project)
        return {k: list(data.get(k, [])) for k in ("pending", "running", "finished")}

    def schedule_job(
        self, project: str, spider: str, job: str, version: str, args: dict[str, str], settings: dict[str, str]
    ) -> str:
        data = [("jobid", job), ("_version", version), *args.items()]
        data += [("setting", f"{k}={v}") for k, v in settings.items()]
        return str(self._post("schedule", data=[*data, ("project", project), ("spider", spider)])["jobid"])
