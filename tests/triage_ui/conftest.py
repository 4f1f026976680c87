"""UI test fixtures: one app per test module on its own index prefix, with fixture ads and enrolled users."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import sync_playwright

from signaal.chromium import CHROMIUM_PATH, LAUNCH_ARGS
from signaal.paths import var_dir
from tests.triage_ui import fixture_ads
from tests.triage_ui.browser import served
from tests.triage_ui.helpers import BASE_URL, PASSWORD, SEEDS, login
from triage_ui.app import create_app
from triage_ui.config import UISettings
from triage_ui.context import UIContext
from triage_ui.launch import add_enrolled_user

USERS = {
    "analyst1": "analyst",
    "analyst2": "analyst",
    "investigator1": "investigator",
    "mlstaff": "ml",
    "admin1": "admin",
}
# Cheap argon2 parameters: the tests sign in hundreds of times; production defaults are RFC 9106's.
FAST_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 1024, "argon2_parallelism": 1}
TEST_SECRET = "test-secret-" + "x" * 40


def settings_for_tests(**overrides) -> UISettings:
    """Production rules (the default), a test secret and cheap hashing."""
    return UISettings(**{"environment": "test", "secret_key": TEST_SECRET, **FAST_ARGON2, **overrides})


@pytest.fixture(scope="module")
def ui_settings() -> UISettings:
    return settings_for_tests()


@pytest.fixture(scope="module")
def ui_app(es, component_client, index_prefix: str, ui_settings: UISettings):
    """The app on a fresh prefix with fixture ads and one enrolled user per role.

    The app talks to Elasticsearch as the ``ui`` component, so every UI test also proves
    that the UI's least-privilege role is enough; fixture ads are loaded as ``admin``.
    """
    app = create_app(component_client("ui"), index_prefix, ui_settings)
    ctx: UIContext = app.state.ctx
    fixture_ads.load(es, index_prefix, fixture_ads.make_ads())
    for name, role in USERS.items():
        SEEDS[name] = add_enrolled_user(ctx, name, role, PASSWORD)
    yield app
    app.state.pdf.close()


@pytest.fixture(scope="module")
def ui_ctx(ui_app) -> UIContext:
    return ui_app.state.ctx


@pytest.fixture
def client_for(ui_app) -> Iterator:
    """Factory: a fresh TestClient signed in as the given user (cookies kept per client)."""
    clients: list[TestClient] = []

    def make(name: str | None = None) -> tuple[TestClient, str | None]:
        client = TestClient(ui_app, base_url=BASE_URL)
        clients.append(client)
        token = login(client, name) if name else None
        return client, token

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="module")
def base_url(ui_app) -> Iterator[str]:
    """The module's app served by a real uvicorn on 127.0.0.1 in a background thread (browser tests)."""
    with served(ui_app) as url:
        yield url


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
