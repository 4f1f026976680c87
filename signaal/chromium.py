"""How every part starts Debian's chromium (crawler, PDF reports, browser tests).

Playwright's own browser download does not work on these machines, so Playwright
drives the system chromium. The flags keep it from phoning home (the network is
closed, and failed background connections slow every start) and let it run as
root in a container, where its sandbox cannot start.

The crawler renders thousands of pages and prefers Debian's
``chromium-headless-shell`` package (same chromium build, the old headless
mode without a browser window): a page costs about half the CPU of the full
browser's new headless mode (docs/crawler.md). Without the package it falls
back to the full browser.
"""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM_PATH = os.environ.get("SIGNAAL_CHROMIUM", "/usr/bin/chromium")
HEADLESS_SHELL_PATH = os.environ.get("SIGNAAL_CHROMIUM_HEADLESS_SHELL", "/usr/lib/chromium/chromium-headless-shell")

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# The crawler's browser renders thousands of small pages of one site (CPU per rendered page measured
# in docs/crawler.md, "Browser cost"):
CRAWLER_LAUNCH_ARGS = [
    *LAUNCH_ARGS,
    # (software) GPU work in the browser process: one process and its IPC less, ~20 ms less per page;
    "--in-process-gpu",
    # pages share at most two renderer processes instead of starting one each: ~40 ms less per page
    # (a crashed renderer fails the pages it held; they are retried like any browser error);
    "--renderer-process-limit=2",
    # images never load in the browser (the image pipeline fetches them once, with hashes and evidence),
    # so they are not even requested and routed through Playwright: ~10-30 ms less per page.
    "--blink-settings=imagesEnabled=false",
]


def crawler_executable() -> str:
    """The headless shell when installed (SIGNAAL_CHROMIUM_HEADLESS_SHELL), else the full chromium."""
    return HEADLESS_SHELL_PATH if Path(HEADLESS_SHELL_PATH).is_file() else CHROMIUM_PATH
