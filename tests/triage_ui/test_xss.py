"""The XSS corpus rendered in Chromium on every page and export, with and without the CSP.

The old check (``dialogs == []``) could not fail while the CSP blocked inline script. This one
asserts on the DOM: no element a payload could create exists (``[data-xss]``), nothing a payload
could run ran (``window.__xss``), and the payload is on the page as text. Each page is rendered
twice: as served, and with the Content-Security-Policy header stripped on the way to the browser,
so escaping alone must hold.
"""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest
from elasticsearch.helpers import bulk

from tests.triage_ui.browser import BrowserUser, served
from tests.triage_ui.figures import record
from tests.triage_ui.xss_corpus import PAYLOADS, payload_ads
from triage_ui.routers.common import AdToken
from triage_ui.store import ads as ads_store
from triage_ui.store.search import EntityQuery, save

pytestmark = [pytest.mark.es, pytest.mark.browser, pytest.mark.slow]
PROBE = "() => ({injected: document.querySelectorAll('[data-xss]').length, ran: window.__xss === 1})"


@pytest.fixture(scope="module")
def xss_app(ui_app, ui_ctx):
    """The module's app with the payload ads, a note, a saved search, an alert and an audit entry carrying payloads."""
    ctx = ui_ctx
    actions = [{"_index": ctx.alias("ads"), "_id": ad["id"], "_source": ad} for ad in payload_ads()]
    bulk(ctx.es, actions, refresh="wait_for")
    for i, payload in enumerate(PAYLOADS[:5]):
        save(ctx, "admin1", payload, EntityQuery("text", payload))
        ctx.es.index(
            index=ctx.alias("alerts"),
            id=f"xss-alert-{i}",
            document={
                "user": "admin1",
                "search_id": "s",
                "search_name": payload,
                "ad_id": f"xss:{i}",
                "ad_title": payload,
                "created_at": "2026-11-20T12:00:00Z",
                "dismissed": False,
            },
        )
    ctx.es.indices.refresh(index=ctx.alias("alerts"))
    return ui_app


@pytest.fixture(scope="module")
def base_url(xss_app) -> Iterator[str]:
    with served(xss_app) as url:
        yield url


def _strip_csp(route) -> None:
    response = route.fetch()
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-security-policy"}
    route.fulfill(response=response, headers=headers)


def _pages(ctx) -> list[str]:
    ids = [f"xss:{i}" for i in range(len(PAYLOADS))]
    return [
        "/queue",
        "/queue?status=all",
        *(f"/ads/{ad_id}" for ad_id in ids),
        "/ads/xss:1/report",
        "/clusters/xss/report",
        "/networks/xss",
        "/map?status=all",
        "/ads/xss:1/archive",  # its evidence names are payloads: the viewer's error page shows them
        "/search",
        "/inbox",
        "/dashboards?days=365",
        "/admin/audit",
        "/admin/users",
        "/admin/crawls",
        "/exports",
        "/ml",
        "/ml/ads/xss:2",
        "/account",
        "/step-up?" + "next=/queue%3Fq%3D%22%3E%3Cscript%20data-xss%3Ewindow.__xss%3D1%3C%2Fscript%3E",
        "/ads/xss:999",  # an error page
    ]


def _check(page, url: str, problems: list[str]) -> None:
    page.goto(url)
    found = page.evaluate(PROBE)
    if found["injected"] or found["ran"]:
        problems.append(f"{url}: {found}")


@pytest.mark.parametrize("csp", ["with CSP", "without CSP"])
def test_xss_corpus_stays_text_on_every_page(browser, base_url, ui_ctx, csp):
    user = BrowserUser(browser, base_url, ui_ctx, "admin1")
    if csp == "without CSP":
        user.context.route("**/*", _strip_csp)
    page = user.page
    problems: list[str] = []
    renders = 0
    # a decision note and a search carry payloads too (typed by a user, shown to others)
    token = AdToken.from_hit(ads_store.get_ad(ui_ctx, "xss:4")).encode()
    page.goto("/ads/xss:4")
    page.fill("textarea[name=notes]", PAYLOADS[0])
    page.evaluate("t => document.querySelector('#decide input[name=token]').value = t", token)
    page.click("#decide button[value=needs_review]")
    page.goto("/search")
    page.fill("input[name=q]", PAYLOADS[1])
    page.click("#searchform button.primary")
    renders += 1
    found = page.evaluate(PROBE)
    if found["injected"] or found["ran"]:
        problems.append(f"search results: {found}")
    for url in _pages(ui_ctx):
        _check(page, url, problems)
        renders += 1
        if url.startswith("/ads/xss:") and url.count("/") == 2 and url != "/ads/xss:999":
            i = int(url.rsplit(":", 1)[1])
            title = page.locator("h1.ad-title").inner_text()
            if PAYLOADS[i].strip() not in title:
                problems.append(f"{url}: payload not shown as text in the title")
    page.goto("/queue?status=all")
    queue_text = page.locator("table.queue").inner_text()
    missing = [p for p in PAYLOADS if p.strip() not in queue_text]
    assert missing == [], f"payloads not shown as text on the queue: {missing}"
    page.goto("/ads/xss:4")
    assert PAYLOADS[0] in page.locator(".history").inner_text()
    assert user.dialogs == []
    user.context.unroute_all(behavior="ignoreErrors")  # photos may still be loading when it closes
    user.close()
    record(
        f"xss_{csp.replace(' ', '_').lower()}", payloads=len(PAYLOADS), renders=renders, injected_or_ran=len(problems)
    )
    assert problems == [], "\n".join(problems)


def test_downloads_are_never_rendered(browser, base_url, ui_ctx):
    """CSV and JSON exports come as attachments with nosniff: a browser saves them, never renders them."""
    user = BrowserUser(browser, base_url, ui_ctx, "admin1")
    csrf = html.unescape(
        user.page.goto("/exports") and user.page.locator("input[name=csrf_token]").first.get_attribute("value")
    )
    for fmt in ("csv", "json"):
        resp = user.page.request.post("/exports", form={"csrf_token": csrf, "format": fmt, "selected": "xss:1"})
        assert resp.status == 200
        assert resp.headers["content-disposition"].startswith("attachment")
        assert resp.headers["x-content-type-options"] == "nosniff"
    user.close()


def test_the_probe_catches_unescaped_payloads(browser):
    """The check above can fail: the same payloads written unescaped into a page are caught."""
    # plain text, a comment, and an mXSS vector (it fools sanitisers that re-serialise; parsed once it stays text)
    text_anyway = {"{{7*7}} ${7*7} #{7*7}", "javascript:window.__xss=1", PAYLOADS[-1], PAYLOADS[12]}
    missed = []
    for payload in PAYLOADS:
        page = browser.new_page()  # a fresh window: window.__xss from one payload must not count for the next
        page.set_content(f"<!doctype html><title>t</title><p>{payload}</p><textarea></textarea>")
        found = page.evaluate(PROBE)
        if not (found["injected"] or found["ran"]):
            missed.append(payload)
        page.close()
    assert set(missed) == text_anyway
