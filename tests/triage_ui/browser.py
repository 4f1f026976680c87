"""Shared pieces of the Chromium tests: serve an app with a real uvicorn, sign in through the forms.

The app runs with production settings: Chromium accepts its ``__Host-``/Secure cookies on
http://127.0.0.1 (loopback counts as a secure context), so no TLS is needed here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from devtools.es_node.node import free_port
from tests.helpers import DEADLINE_S, wait_until
from tests.triage_ui.helpers import PASSWORD, fresh_code


@contextmanager
def served(app) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1 in a background thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started or not thread.is_alive(), "uvicorn to start")
        assert server.started, "uvicorn stopped before it started serving"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(DEADLINE_S)


class BrowserUser:
    """One user's browser context; records dialogs, and signs in with password and TOTP code."""

    def __init__(self, browser, base_url: str, ctx, user: str | None = None, **context_options) -> None:
        self.ctx = ctx  # the app's UIContext: for fresh TOTP codes of the fixture accounts
        self.context = browser.new_context(
            base_url=base_url, viewport={"width": 1440, "height": 900}, accept_downloads=True, **context_options
        )
        self.context.set_default_timeout(DEADLINE_S * 1000)  # a busy machine is slow, not broken
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        if user:
            self.sign_in(user)

    def sign_in(self, user: str, password: str = PASSWORD) -> None:
        page = self.page
        page.goto("/login")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url("**/login/second-factor")
        page.fill("input[name=code]", fresh_code(self.ctx, user))
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)

    def close(self) -> None:
        self.context.close()
