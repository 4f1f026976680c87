"""Session fixtures shared by every test: a real Elasticsearch and per-module index prefixes.

``es_url`` starts one throw-away single-node Elasticsearch per test session (on a
free port, data in a temporary directory under var/, 512 MiB heap, security on with
one user per component, Hunspell dictionaries installed) unless ``SIGNAAL_ES_URL``
points at a running cluster; it is stopped when the session ends. The node's
credential directory is exported as ``SIGNAAL_ES_CREDENTIALS_DIR``, so every
``get_client(component=...)`` in the code under test and in ``signaal`` CLI runs
authenticates as that component's least-privilege user. ``es`` is the ``admin``
client; ``component_client("ui")`` gives another component's. ``index_prefix`` gives
each test module its own prefix with every kind from es_mappings/ applied, exports
it as ``SIGNAAL_INDEX_PREFIX`` (so code calling ``get_settings()`` and CLI runs use
it) and deletes it afterwards.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from elasticsearch import ApiError, Elasticsearch
from hypothesis import HealthCheck, settings

from devtools.es_node.cluster import LocalCluster
from devtools.es_node.distribution import ensure_distribution
from signaal.es.client import get_client
from signaal.es.mappings import apply_mappings, delete_prefix
from signaal.paths import var_dir
from signaal.settings import get_settings

# fixtures every test package may use (trained models, a registry, indexed generator ads)
pytest_plugins = ["tests.models.fixtures"]

# Hypothesis times each example (200 ms by default) and fails a test whose examples are slow to run or to
# generate: wall-clock bounds that a busy machine breaks. Properties are about results, not speed.
settings.register_profile("signaal", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("signaal")


@pytest.fixture(scope="session", autouse=True)
def no_accepted_proposals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Tests never see a developer's accepted proposals (var/lexicons/accepted.yaml): their own file, absent."""
    path = tmp_path_factory.mktemp("accepted") / "accepted.yaml"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SIGNAAL_ACCEPTED_LEXICON", str(path))
        yield path


@pytest.fixture
def accepted_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh accepted-proposals file for one test (appending to it changes no other test)."""
    path = tmp_path / "lexicons" / "accepted.yaml"
    monkeypatch.setenv("SIGNAAL_ACCEPTED_LEXICON", str(path))
    return path


def _start_local_cluster() -> tuple[LocalCluster, Path]:
    parent = var_dir() / "test-es"
    parent.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="cluster-", dir=parent))
    root.chmod(0o755)
    cluster = LocalCluster(ensure_distribution(), root, heap="512m", cluster_name="signaal-test", free_ports=True)
    try:
        cluster.start()
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return cluster, root


@pytest.fixture(autouse=True)
def _settings_follow_the_environment() -> Iterator[None]:
    """``get_settings()`` is cached per process: each test reads the environment as it is when the test runs
    (module fixtures, monkeypatch, ``CliRunner(env=...)``), never values cached by whichever test ran before."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def es_url() -> Iterator[str]:
    """URL of a real Elasticsearch for this session (``SIGNAAL_ES_URL`` or a node started here)."""
    external = os.environ.get("SIGNAAL_ES_URL")
    if external:
        yield external
        return
    cluster, root = _start_local_cluster()
    with pytest.MonkeyPatch.context() as mp:
        for name, value in cluster.env().items():
            mp.setenv(name, value)
        get_settings.cache_clear()
        try:
            yield ",".join(cluster.hosts)
        finally:
            cluster.stop()
            shutil.rmtree(root, ignore_errors=True)
            get_settings.cache_clear()


@pytest.fixture(scope="session")
def component_client(es_url: str) -> Iterator[Callable[[str], Elasticsearch]]:
    """Factory: a client authenticated as one component (``ui``, ``indexer``, ...), closed at the end."""
    clients: dict[str, Elasticsearch] = {}

    def make(component: str) -> Elasticsearch:
        if component not in clients:
            clients[component] = get_client(es_url, component=component)
        return clients[component]

    yield make
    for client in clients.values():
        client.close()


@pytest.fixture(scope="session")
def es(component_client) -> Elasticsearch:
    """The ``admin`` component's client: creates and deletes the tests' indices and templates."""
    return component_client("admin")


@pytest.fixture(scope="session")
def es_security(es) -> bool:
    """Whether the cluster enforces security (the session node does; a shared dev node may not)."""
    try:
        es.security.authenticate()
    except ApiError:
        return False
    return True


def _new_prefix(name: str) -> str:
    stem = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[-24:].strip("_") or "x"
    return f"t_{stem}_{uuid.uuid4().hex[:8]}"


def _prefix_fixture(es, name: str) -> Iterator[str]:
    prefix = _new_prefix(name)
    apply_mappings(es, prefix)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SIGNAAL_INDEX_PREFIX", prefix)
        get_settings.cache_clear()
        try:
            yield prefix
        finally:
            get_settings.cache_clear()
            delete_prefix(es, prefix)


@pytest.fixture(scope="module")
def index_prefix(es, request: pytest.FixtureRequest) -> Iterator[str]:
    """A unique prefix for this test module, all kinds initialised, removed afterwards."""
    yield from _prefix_fixture(es, request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture
def fresh_index_prefix(es, request: pytest.FixtureRequest) -> Iterator[str]:
    """Like ``index_prefix`` but per test, for tests that need empty indices."""
    yield from _prefix_fixture(es, request.node.name)
