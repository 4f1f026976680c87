"""End to end in Debian's chromium: login -> queue -> ad -> decide -> export, plus XSS, CSRF,
403, concurrent decisions and the audit trail. Screenshots go to var/test-artifacts/ui/.
"""

from __future__ import annotations

import pytest

from tests.triage_ui.helpers import BrowserSession as Session
from triage_ui.store import breakdowns
from triage_ui.store.ads import undecided_query

pytestmark = [pytest.mark.es, pytest.mark.browser, pytest.mark.slow]
XSS_AD = "prikbord:1030"  # the fixture's top-priority ad, whose text carries a script payload
AUDITED_AD = "prikbord:1025"  # decided by the audit test only


def test_end_to_end_triage(browser, base_url, shots, ui_ctx):
    s = Session(browser, base_url, "analyst1")
    page = s.page
    undecided = ui_ctx.es.count(index=ui_ctx.alias("ads"), query=undecided_query())["count"]
    assert page.locator("table.queue tbody tr").count() == undecided
    page.screenshot(path=str(shots / "queue.png"), full_page=False)

    # keyboard: j selects the first row, Enter opens it (the XSS ad has the top priority)
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/ads/{XSS_AD}")
    assert '<script>alert("xss")</script>' in page.locator("h1.ad-title").inner_text()
    assert page.locator(".ad-body script, .ad-body img[src=x]").count() == 0
    spans = ui_ctx.es.get(index=ui_ctx.alias("ads"), id=XSS_AD)["_source"]["indicators"]
    assert page.locator(".ad-body mark").count() == sum(span["field"] == "body" for span in spans) > 0
    photo = page.locator(".photo").first
    assert "revealed" not in (photo.get_attribute("class") or "")
    photo.click()
    assert "revealed" in (photo.get_attribute("class") or "")
    photo.click()
    page.screenshot(path=str(shots / "ad.png"), full_page=True)

    # decide with labels and notes, by keyboard shortcut "1" = lead
    page.select_option("select[name=label_trafficking]", "yes")
    page.fill("textarea[name=notes]", "shared phone across three cities")
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("1")
    page.wait_for_url(lambda url: XSS_AD not in url)
    triage = ui_ctx.es.get(index=ui_ctx.alias("ads"), id=XSS_AD)["_source"]["triage"]
    assert triage["status"] == "lead" and triage["labels"]["trafficking"] == "yes"

    # export: CSV download and the printable report of the lead just decided
    page.goto(f"/ads/{XSS_AD}")
    with page.expect_download() as download:
        page.click("button[name=format][value=csv]")
    csv_path = shots / "lead.csv"
    download.value.save_as(str(csv_path))
    assert XSS_AD in csv_path.read_text(encoding="utf-8-sig")
    page.click("text=Lead report (HTML)")
    page.wait_for_url(f"**/ads/{XSS_AD}/report")
    assert "Evidence WARC sha256" in page.content()
    page.screenshot(path=str(shots / "report.png"), full_page=True)
    assert s.dialogs == []  # the script payload never ran

    # a state change without the CSRF token is refused
    resp = page.request.post(f"/ads/{XSS_AD}/decision", form={"decision": "not_relevant", "token": "[]"})
    assert resp.status == 403
    # an analyst gets 403 on admin pages
    assert page.goto("/admin/audit").status == 403
    s.context.close()


def test_concurrent_decision_second_is_told(browser, base_url, shots, ui_ctx):
    one, two = Session(browser, base_url, "analyst1"), Session(browser, base_url, "analyst2")
    ad = "prikbord:1020"
    one.page.goto(f"/ads/{ad}")
    two.page.goto(f"/ads/{ad}")
    one.page.click("#decide button[value=lead]")
    one.page.wait_for_url(lambda url: ad not in url)
    two.page.click("#decide button[value=not_relevant]")
    assert two.page.locator("h1").inner_text() == "Someone else decided this ad"
    two.page.screenshot(path=str(shots / "conflict.png"))
    assert ui_ctx.es.get(index=ui_ctx.alias("ads"), id=ad)["_source"]["triage"]["decided_by"] == "analyst1"
    one.context.close()
    two.context.close()


def test_audit_shows_each_step(browser, base_url, shots):
    """Each step an analyst takes is in the audit trail: this test takes them itself (tests run in any order)."""
    analyst = Session(browser, base_url, "analyst2")  # login
    page = analyst.page
    page.goto(f"/ads/{AUDITED_AD}")  # view
    page.click("#decide button[value=lead]")  # decision
    page.wait_for_url(lambda url: AUDITED_AD not in url)
    page.goto(f"/ads/{AUDITED_AD}")
    with page.expect_download():  # export of the analyst's own lead
        page.click("button[name=format][value=csv]")
    assert page.goto("/admin/audit").status == 403  # denied
    analyst.context.close()

    admin = Session(browser, base_url, "admin1")
    admin.page.goto("/admin/audit?user=analyst2")
    text = admin.page.locator("table.audit").inner_text()
    for action in ("login", "view", "decision", "export", "denied"):
        assert f"\t{action}\t" in text, action
    assert AUDITED_AD in text
    admin.page.screenshot(path=str(shots / "audit.png"))
    admin.context.close()


def test_investigator_follows_a_phone_into_its_network(browser, base_url, shots):
    inv = Session(browser, base_url, "investigator1")
    page = inv.page
    page.goto("/ads/prikbord:1007")
    page.click("button.chip-phone")  # entity chip: a POSTed search, the phone never enters a URL
    page.wait_for_url("**/search")
    assert page.locator("table.queue tbody tr").count() == 3
    page.screenshot(path=str(shots / "search.png"))
    page.goto("/networks/c2")
    assert page.locator(".timeline circle").count() == 3
    page.screenshot(path=str(shots / "network.png"), full_page=True)
    page.goto("/dashboards?days=365")
    # Seven charts and one per signal by gender, each drawn or saying "No data." (the decision charts have
    # data only once a test decided), then the three gender tables.
    charts = 7 + len(breakdowns.SIGNALS)
    assert page.locator(".chart").count() == charts
    assert page.locator(".chart svg").count() + page.locator(".chart p.muted").count() == charts
    assert page.locator(".gender-table").count() == 3
    drawn = set(page.locator(".chart svg").evaluate_all("svgs => svgs.map(s => s.getAttribute('aria-label'))"))
    assert {"Ads first seen per day", "Ads by indicator", "Ads by city"} <= drawn
    page.screenshot(path=str(shots / "dashboards.png"), full_page=True)
    assert inv.dialogs == []
    inv.context.close()
