"""The triage UI's security figures in one table: the review's probes, run as the tests that keep them.

    .venv/bin/python bench/bench_security.py            # runs the probe tests, prints the table

Runs (with pytest, against the real Elasticsearch of ``SIGNAAL_ES_URL`` or a node the test session
starts, and Debian's chromium) the role x route x object matrix, CSRF forgery on every state-changing
route, the XSS corpus on every page with and without CSP, formula payloads through a CSV export,
session replay after logout, and the two throttling attacks (a 1,000-failure spray from one address,
1,000 failures on one name). Each test records what it counted; this script prints those counts
next to what they must be. Exit status: pytest's (0 = every probe held).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.triage_ui.figures import figures_path  # noqa: E402

PROBES = [
    "tests/triage_ui/test_probes.py",
    "tests/triage_ui/test_xss.py",
    "tests/triage_ui/test_throttle.py::test_spray_from_one_address_does_not_stop_a_real_user_there",
    "tests/triage_ui/test_throttle.py::test_failures_on_one_name_slow_that_name_only",
    "tests/triage_ui/test_exports.py::test_formula_payloads_in_an_export",
    "tests/triage_ui/test_security.py::test_no_session_survives_logout",
]


def rows(f: dict) -> list[tuple[str, str, str]]:
    """(what, measured, must be) per line of the table."""
    matrix, csrf, csv = f.get("role_matrix", {}), f.get("csrf", {}), f.get("csv", {})
    xss_on, xss_off = f.get("xss_with_csp", {}), f.get("xss_without_csp", {})
    spray, one, sessions = f.get("spray", {}), f.get("one_name", {}), f.get("sessions", {})
    return [
        (
            "routes x roles (+ anonymous), requests",
            f"{matrix.get('routes')} x {matrix.get('roles')}, {matrix.get('requests')} "
            f"({matrix.get('refused')} must be refused)",
            "every route in the table",
        ),
        ("  unauthorised answers", str(matrix.get("unauthorised_answers")), "0"),
        (
            "forged state changes (no / wrong / other session's token)",
            f"{csrf.get('forged_requests')} on {csrf.get('state_changing_routes')} routes",
            "every state-changing route",
        ),
        ("  accepted", str(csrf.get("accepted")), "0"),
        (
            "XSS payloads x renders in Chromium, with CSP",
            f"{xss_on.get('payloads')} x {xss_on.get('renders')} pages",
            "every page and HTML export",
        ),
        ("  injected elements or script runs", str(xss_on.get("injected_or_ran")), "0"),
        ("XSS renders without CSP", f"{xss_off.get('renders')} pages", "same pages"),
        ("  injected elements or script runs", str(xss_off.get("injected_or_ran")), "0"),
        (
            "CSV formula payloads neutralised / plain numbers kept",
            f"{csv.get('neutralised')}/{csv.get('formula_payloads')}, {csv.get('kept')}/{csv.get('plain_numbers')}",
            "all, all",
        ),
        (
            "sessions alive after logout (cookie replayed)",
            f"{sessions.get('alive_after_logout')} of {sessions.get('logged_out')}",
            "0",
        ),
        (
            "spray: failures from one address / real users signed in there",
            f"{spray.get('failures_from_one_address')} over {spray.get('names')} names "
            f"/ {spray.get('real_users_signed_in')}",
            "real users get in",
        ),
        (
            "one name: attempts / checked / slowed, wait",
            f"{one.get('attempts')} / {one.get('checked')} / {one.get('slowed')}, {one.get('wait_seconds')} s",
            "that name only slowed",
        ),
        (
            "  other names and the owner's own browser",
            "signed in" if one.get("owner_device_signed_in") else "?",
            "signed in",
        ),
    ]


def main() -> int:
    path = figures_path()
    path.unlink(missing_ok=True)
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-m", "", *PROBES], cwd=ROOT, env=env
    )
    figures = json.loads(path.read_text()) if path.exists() else {}
    print(f"\nTriage UI security probes ({time.perf_counter() - started:.0f} s, pytest exit {result.returncode})")
    table = rows(figures)
    width = max(len(what) for what, _, _ in table)
    print(f"{'what':<{width}}  {'measured':<40}  must be")
    for what, measured, must in table:
        print(f"{what:<{width}}  {measured:<40}  {must}")
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
