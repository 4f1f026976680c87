"""Session fixtures shared by every test: a real Elasticsearch and per-module index prefixes.

``es_url`` starts one throw-away single-node Elasticsearch per test session (on a
free port, data in a temporary directory under var/, 1 GiB heap) unless
``SIGNAAL_ES_URL`` points at a running cluster; it is stopped when the session
ends. ``index_prefix`` gives each test module its own prefix with every kind from
es_mappings/ applied, exports it as ``SIGNAAL_INDEX_PREFIX`` (so code calling
``get_settings()`` and ``signaal`` CLI runs use it) and deletes it afterwards.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from devtools.es_node.distribution import ensure_distribution
from devtools.es_node.node import LocalElasticsearch, free_port
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


def _start_local_node() -> tuple[str, object, Path]:
    parent = var_dir() / "test-es"
    parent.mkdir(parents=True, exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="node-", dir=parent))
    base.chmod(0o755)
    node = LocalElasticsearch(
        home=ensure_distribution(), base_dir=base, port=free_port(), heap="1g", cluster_name="signaal-test"
    )
    try:
        node.start()
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise
    return node.url, node, base


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
    url, node, base = _start_local_node()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SIGNAAL_ES_URL", url)
        get_settings.cache_clear()
        try:
            yield url
        finally:
            node.stop()
            shutil.rmtree(base, ignore_errors=True)
            get_settings.cache_clear()


@pytest.fixture(scope="session")
def es(es_url: str):
    """An ``Elasticsearch`` client for ``es_url`` (built by ``signaal.es.client.get_client``)."""
    client = get_client(es_url)
    yield client
    client.close()


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
