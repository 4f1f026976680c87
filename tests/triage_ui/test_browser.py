"""End to end in Debian's chromium: first login with enrolment, login with a code, step-up before an
export, queue -> ad -> decide -> export, CSRF, 403, concurrent decisions and the audit trail.
Screenshots go to var/test-artifacts/ui/.
"""

from __future__ import annotations

import hashlib
import re

import pyotp
import pytest

from tests.triage_ui.browser import BrowserUser
from tests.triage_ui.helpers import fresh_code
from triage_ui.security.sessions import session_cookie
from triage_ui.store import breakdowns
from triage_ui.store.ads import undecided_query
from triage_ui.store.users import add_user, get_user

pytestmark = [pytest.mark.es, pytest.mark.browser, pytest.mark.slow]
XSS_AD = "prikbord:1030"  # the fixture's top-priority ad, whose text carries a script payload
AUDITED_AD = "prikbord:1025"  # touched by the audit test only
ADMIN_SET = "given by the admin 77 b"
OWN = "harbour lantern pepper violin"


def test_first_login_enrols_a_second_factor_then_a_new_password(browser, base_url, shots, ui_ctx):
    """The flow a demo account goes through: password, QR enrolment, recovery codes, own password."""
    add_user(ui_ctx, "firsttimer", "investigator", ADMIN_SET)
    user = BrowserUser(browser, base_url, ui_ctx)
    page = user.page
    page.goto("/login")
    page.fill("input[name=username]", "firsttimer")
    page.fill("input[name=password]", ADMIN_SET)
    page.click("button[type=submit]")
    page.wait_for_url("**/login/enrol")
    qr = page.locator("img.qr")
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 100")  # drawn, without any fetch
    page.screenshot(path=str(shots / "enrol.png"))
    seed = page.locator("code.seed").inner_text().replace(" ", "")
    page.fill("input[name=code]", pyotp.TOTP(seed).now())
    page.click("button[type=submit]")
    codes = [c.strip() for c in page.locator(".recovery-codes code").all_inner_texts()]
    assert len(codes) == ui_ctx.settings.mfa_recovery_codes
    page.screenshot(path=str(shots / "recovery-codes.png"))
    page.click("#continue")
    page.wait_for_url("**/login/password")
    page.fill("input[name=password]", "password1234")
    page.fill("input[name=confirm]", "password1234")
    page.click("button[type=submit]")
    assert "commonly used" in page.locator(".error").inner_text()
    page.fill("input[name=password]", OWN)
    page.fill("input[name=confirm]", OWN)
    page.click("button[type=submit]")
    page.wait_for_url("**/queue")
    cookie = next(c for c in user.context.cookies() if c["name"] == session_cookie(ui_ctx.settings))
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["expires"] == -1
    page.click("text=Sign out")
    page.wait_for_url("**/login")
    # next time: password, then a recovery code instead of the app (phone left at home)
    page.fill("input[name=username]", "firsttimer")
    page.fill("input[name=password]", OWN)
    page.click("button[type=submit]")
    page.wait_for_url("**/login/second-factor")
    page.fill("input[name=code]", codes[0].upper())
    page.click("button[type=submit]")
    page.wait_for_url("**/queue")
    assert len(get_user(ui_ctx, "firsttimer").recovery_codes) == len(codes) - 1
    assert user.dialogs == []
    user.close()


def test_step_up_before_an_export(browser, base_url, shots, ui_ctx):
    user = BrowserUser(browser, base_url, ui_ctx, "investigator1")
    page = user.page
    cookie = next(c for c in user.context.cookies() if c["name"] == session_cookie(ui_ctx.settings))
    ui_ctx.es.update(  # the sign-in was long ago: the second factor is no longer fresh
        index=ui_ctx.alias("sessions"),
        id=hashlib.sha256(cookie["value"].encode()).hexdigest(),
        doc={"reauth_at": "2020-01-01T00:00:00Z"},
        refresh=True,
    )
    page.goto("/ads/prikbord:1007")
    page.click("text=Lead report (HTML)")
    page.wait_for_url("**/step-up?next=*")
    page.screenshot(path=str(shots / "step-up.png"))
    page.fill("input[name=code]", fresh_code(ui_ctx, "investigator1"))
    page.click("form.step-up button[type=submit]")
    page.wait_for_url("**/ads/prikbord:1007/report")
    assert "Evidence WARC sha256" in page.content()
    user.close()


def test_end_to_end_triage(browser, base_url, shots, ui_ctx):
    s = BrowserUser(browser, base_url, ui_ctx, "analyst1")
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

    # export: CSV download and the printable report of the lead just decided (sign-in counts as step-up)
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
    assert s.dialogs == []

    # a state change without the CSRF token is refused
    resp = page.request.post(f"/ads/{XSS_AD}/decision", form={"decision": "not_relevant", "token": "[]"})
    assert resp.status == 403
    # an analyst gets 403 on admin pages
    assert page.goto("/admin/audit").status == 403
    s.close()


def test_concurrent_decision_second_is_told(browser, base_url, shots, ui_ctx):
    one, two = BrowserUser(browser, base_url, ui_ctx, "analyst1"), BrowserUser(browser, base_url, ui_ctx, "analyst2")
    ad = "prikbord:1020"
    one.page.goto(f"/ads/{ad}")
    two.page.goto(f"/ads/{ad}")
    one.page.click("#decide button[value=lead]")
    one.page.wait_for_url(lambda url: ad not in url)
    two.page.click("#decide button[value=not_relevant]")
    assert two.page.locator("h1").inner_text() == "Someone else decided this ad"
    two.page.screenshot(path=str(shots / "conflict.png"))
    assert ui_ctx.es.get(index=ui_ctx.alias("ads"), id=ad)["_source"]["triage"]["decided_by"] == "analyst1"
    one.close()
    two.close()


def test_audit_shows_each_step(browser, base_url, shots, ui_ctx):
    """Each step an analyst takes is in the audit trail: this test takes them itself (tests run in any order)."""
    analyst = BrowserUser(browser, base_url, ui_ctx, "analyst2")  # login, mfa
    page = analyst.page
    page.goto(f"/ads/{AUDITED_AD}")  # view
    page.locator(".photo").first.click()  # view_photo
    page.click("text=Assign to me")  # assign
    page.click("text=Lead report (HTML)")  # export of an ad assigned to the analyst
    page.wait_for_url(f"**/ads/{AUDITED_AD}/report")
    page.goto(f"/ads/{AUDITED_AD}")
    page.click("#decide button[value=lead]")  # decision
    page.wait_for_url(lambda url: AUDITED_AD not in url)
    assert page.goto("/admin/audit").status == 403  # denied
    analyst.close()

    ui_ctx.es.indices.refresh(index=ui_ctx.alias("audit"))  # audit writes skip the refresh
    admin = BrowserUser(browser, base_url, ui_ctx, "admin1")
    admin.page.goto("/admin/audit?user=analyst2")
    text = admin.page.locator("table.audit").inner_text()
    for action in ("login", "mfa", "view", "view_photo", "assign", "export", "decision", "denied"):
        assert re.search(rf"\t{action}\t", text), action
    assert AUDITED_AD in text
    admin.page.screenshot(path=str(shots / "audit.png"))
    admin.close()


def test_investigator_follows_a_phone_into_its_network(browser, base_url, shots, ui_ctx):
    inv = BrowserUser(browser, base_url, ui_ctx, "investigator1")
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
    inv.close()
