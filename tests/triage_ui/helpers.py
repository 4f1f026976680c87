"""Helpers shared by the UI tests: sign in through the real form, read CSRF tokens from pages."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from tests.helpers import DEADLINE_S

PASSWORD = "correct horse battery staple"


class BrowserSession:
    """One user's browser context, signed in through the form; records every dialog so an XSS would be noticed."""

    def __init__(self, browser, base_url: str, user: str) -> None:
        self.context = browser.new_context(
            base_url=base_url, viewport={"width": 1440, "height": 900}, accept_downloads=True
        )
        self.context.set_default_timeout(DEADLINE_S * 1000)  # a busy machine is slow, not broken
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto("/login")
        self.page.fill("input[name=username]", user)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url("**/queue")


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign in through the form; return the session's CSRF token (from the queue page)."""
    page = client.get("/login")
    resp = client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert resp.status_code == 303, resp.text[:500]
    return csrf_from(client.get("/queue").text)


def decide(client: TestClient, csrf: str, ad_id: str, decision: str, **labels: str) -> None:
    """Decide an ad through its page and the decision form, as an analyst does (labels: minor=, trafficking=)."""
    page = client.get(f"/ads/{ad_id}").text
    token = html.unescape(page.split('name="token" value="')[1].split('"')[0])
    form = {"csrf_token": csrf, "token": token, "decision": decision}
    form |= {f"label_{target}": value for target, value in labels.items()}
    resp = client.post(f"/ads/{ad_id}/decision", data=form, follow_redirects=False)
    assert resp.status_code == 303, resp.text[:500]
