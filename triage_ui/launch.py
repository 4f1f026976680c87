"""Run ``signaal ui`` as its own process and sign users in over real HTTP.

The load test and the UI benchmark both need the app exactly as deployed (its own
process, uvicorn, real sessions and CSRF), not an in-process test client; this is the
one place that knows how to start it, wait until it answers, and log in through the form.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
import uuid

import httpx

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def start_ui_process(port: int, env: dict[str, str] | None = None, *, timeout: float = 300.0) -> subprocess.Popen:
    """Start ``python -m signaal ui`` on 127.0.0.1:``port`` with test settings; return once /login answers.

    ``env`` overrides the inherited environment (e.g. ``SIGNAAL_ES_URL``, ``SIGNAAL_INDEX_PREFIX``).
    A fresh random secret key per process: sessions never outlive the run. ``timeout`` is generous on
    purpose: the wait ends as soon as the page answers, and on a machine shared with other work the start
    (imports, the first Elasticsearch round trip) can take minutes.
    """
    proc_env = {
        **os.environ,
        "SIGNAAL_UI_ENVIRONMENT": "test",
        "SIGNAAL_UI_SECRET_KEY": uuid.uuid4().hex * 2,
        "SIGNAAL_UI_COOKIE_SECURE": "false",
        **(env or {}),
    }
    url = f"http://127.0.0.1:{port}/login"
    # stderr to a file, not a pipe: an unread pipe fills up under load and stalls the server.
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(  # noqa: S603 - our own CLI with arguments we built
            [sys.executable, "-m", "signaal", "ui", "--port", str(port)],
            env=proc_env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                # A refused connection fails at once; a server that is up but busy gets all the time left.
                if httpx.get(url, timeout=max(1.0, deadline - time.monotonic())).status_code == 200:
                    return proc
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        proc.kill()
        proc.wait()
        log.seek(0)
        tail = log.read().decode(errors="replace")[-500:]
    raise RuntimeError(f"signaal ui did not answer within {timeout:.0f} s: {tail}")


def signed_in_client(base_url: str, username: str, password: str, *, timeout: float = 120.0) -> httpx.Client:
    """An httpx client holding a session for ``username``, logged in through the login form (CSRF included).

    ``timeout`` per request is generous: under load a request can queue behind many others, and a slow
    answer is not an error.
    """
    client = httpx.Client(base_url=base_url, timeout=timeout)
    match = CSRF_FIELD.search(client.get("/login").text)
    if match is None:
        raise RuntimeError("the login page carries no CSRF token")
    resp = client.post("/login", data={"username": username, "password": password, "csrf_token": match.group(1)})
    if resp.status_code not in (200, 303):
        raise RuntimeError(f"login as {username!r} failed: HTTP {resp.status_code}")
    return client
