"""How every part starts Debian's chromium (crawler, PDF reports, browser tests).

Playwright's own browser download does not work on these machines, so Playwright
drives the system chromium. The flags keep it from phoning home (the network is
closed, and failed background connections slow every start) and let it run as
root in a container, where its sandbox cannot start.
"""

from __future__ import annotations

import os

CHROMIUM_PATH = os.environ.get("SIGNAAL_CHROMIUM", "/usr/bin/chromium")

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
