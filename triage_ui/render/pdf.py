"""HTML -> PDF with Debian's chromium through Playwright (``page.pdf()``).

The report HTML is self-contained (inline CSS in the report template, no external
resources) and set with ``set_content`` — chromium never opens a network connection.
"""

from __future__ import annotations

from playwright.sync_api import sync_playwright

from signaal.chromium import LAUNCH_ARGS


def html_to_pdf(html: str, chromium_path: str) -> bytes:

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, headless=True, args=LAUNCH_ARGS)
        try:
            context = browser.new_context(offline=True, java_script_enabled=False)
            page = context.new_page()
            page.set_content(html, wait_until="load")
            return page.pdf(
                format="A4",
                print_background=True,
                margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"},
            )
        finally:
            browser.close()
