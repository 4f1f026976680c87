"""UI test fixtures: one app per test module on its own index prefix, with fixture ads and users."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from playwright.sync_api import sync_playwright

from devtools.es_node.node import free_port
from signaal.chromium import CHROMIUM_PATH, LAUNCH_ARGS
from signaal.paths import var_dir
from tests.helpers import DEADLINE_S, wait_until
from tests.triage_ui import fixture_ads
from tests.triage_ui.helpers import PASSWORD, login
from triage_ui.app import create_app
from triage_ui.config import UISettings
from triage_ui.context import UIContext
from triage_ui.store.users import add_user

USERS = {
    "analyst1": "analyst",
    "analyst2": "analyst",
    "investigator1": "investigator",
    "mlstaff": "ml",
    "admin1": "admin",
}


@pytest.fixture(scope="module")
def ui_settings() -> UISettings:
    return UISettings(
        environment="test", secret_key="test-secret-" + "x" * 20, cookie_secure=False, login_max_failures=5
    )


@pytest.fixture(scope="module")
def ui_app(es, component_client, index_prefix: str, ui_settings: UISettings):
    """The app on a fresh prefix with fixture ads and one user per role.

    The app talks to Elasticsearch as the ``ui`` component, so every UI test also proves
    that the UI's least-privilege role is enough; fixture ads are loaded as ``admin``.
    """
    app = create_app(component_client("ui"), index_prefix, ui_settings)
    ctx: UIContext = app.state.ctx
    fixture_ads.load(es, index_prefix, fixture_ads.make_ads())
    for name, role in USERS.items():
        add_user(ctx, name, role, PASSWORD)
    return app


@pytest.fixture(scope="module")
def ui_ctx(ui_app) -> UIContext:
    return ui_app.state.ctx


@pytest.fixture
def client_for(ui_app) -> Iterator:
    """Factory: a fresh TestClient signed in as the given user (cookies kept per client)."""
    clients: list[TestClient] = []

    def make(name: str | None = None) -> tuple[TestClient, str | None]:
        client = TestClient(ui_app, base_url="http://127.0.0.1")
        clients.append(client)
        token = login(client, name) if name else None
        return client, token

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="module")
def base_url(ui_app) -> Iterator[str]:
    """The module's app served by a real uvicorn on 127.0.0.1 in a background thread (browser tests)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(ui_app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started or not thread.is_alive(), "uvicorn to start")
        assert server.started, "uvicorn stopped before it started serving"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(DEADLINE_S)


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium through Playwright, headless."""
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shots() -> Path:
    """Where browser tests leave their screenshots (var/test-artifacts/ui/)."""
    path = var_dir() / "test-artifacts" / "ui"
    path.mkdir(parents=True, exist_ok=True)
    return path
