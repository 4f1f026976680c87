"""Run ``signaal ui`` as its own process and sign users in over real HTTPS.

The load test, the worker fault test and the benchmarks need the app exactly as deployed
(its own processes, uvicorn, production settings, Secure cookies, sessions, CSRF and the
second factor), not an in-process test client; this is the one place that knows how to
start it on loopback with a throw-away self-signed certificate, wait until it answers,
and log in through the forms.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import re
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyotp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from triage_ui.context import UIContext
from triage_ui.security import mfa
from triage_ui.store.users import add_user, enrol_totp

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
REQUEST_TIMEOUT_S = 120.0  # per request: under load a request can queue behind many others


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 / localhost, valid for a day (tests and benchmarks only)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "signaal-test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    return cert_path, key_path


@dataclass
class UIProcess:
    """A running ``signaal ui`` (its supervisor process when ``workers`` > 1)."""

    proc: subprocess.Popen
    base_url: str
    cert: Path
    log: Path
    secret: str  # the process's SIGNAAL_UI_SECRET_KEY: accounts enrolled for it must be sealed with it

    def client(self, *, timeout: float = REQUEST_TIMEOUT_S, **kwargs) -> httpx.Client:
        """A client trusting the run's certificate; ``timeout`` per request is generous: under load a request
        can queue behind many others, and a slow answer is not an error."""
        trust = ssl.create_default_context(cafile=self.cert)
        return httpx.Client(base_url=self.base_url, verify=trust, timeout=timeout, **kwargs)

    def stop(self, timeout: float = 60.0) -> None:
        """SIGTERM (uvicorn stops its workers), then SIGKILL to the process group (the supervisor and any
        worker it left behind) if it does not end in time; always reaps the process."""
        if self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: reaches workers orphaned by the supervisor
        self.proc.wait()


def start_ui_process(
    port: int,
    env: dict[str, str] | None = None,
    *,
    workers: int = 1,
    secret: str | None = None,
    timeout: float = 300.0,
) -> UIProcess:
    """Start ``python -m signaal ui`` with production settings and TLS on 127.0.0.1:``port``; return once it answers.

    ``env`` overrides the inherited environment (e.g. ``SIGNAAL_ES_URL``, ``SIGNAAL_INDEX_PREFIX``).
    A fresh random secret key per run unless ``secret`` is given. ``timeout`` is generous on purpose (tests
    pass their own deadline): the wait ends as soon as the page answers, and on a machine shared with other
    work the start (imports, the first Elasticsearch round trip) can take minutes.
    """
    secret = secret or uuid.uuid4().hex * 2
    workdir = Path(tempfile.mkdtemp(prefix="signaal-ui-"))
    cert, key = self_signed_cert(workdir)
    log_path = workdir / "ui.log"
    proc_env = {
        **os.environ,
        "SIGNAAL_UI_ENVIRONMENT": "production",
        "SIGNAAL_UI_SECRET_KEY": secret,
        **(env or {}),
    }
    command = [sys.executable, "-m", "signaal", "ui", "--port", str(port), "--workers", str(workers)]
    command += ["--tls-cert", str(cert), "--tls-key", str(key)]
    # stderr to a file, not a pipe: an unread pipe fills up under load and stalls the server.
    # A session of its own, so that stop() can reach the workers too.
    with log_path.open("wb") as log:
        proc = subprocess.Popen(  # noqa: S603 - our own CLI with arguments we built
            command,
            env=proc_env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    ui = UIProcess(proc, f"https://127.0.0.1:{port}", cert, log_path, secret)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            # A refused connection fails at once; a server that is up but busy gets all the time left.
            with ui.client(timeout=max(1.0, deadline - time.monotonic())) as client:
                if client.get("/login").status_code == 200:
                    return ui
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    ui.stop(10)
    tail = log_path.read_bytes().decode(errors="replace")[-800:]
    raise RuntimeError(f"signaal ui did not answer within {timeout:.0f} s: {tail}")


def csrf_token(html: str) -> str:
    match = CSRF_FIELD.search(html)
    if match is None:
        raise RuntimeError("the page carries no CSRF token")
    return match.group(1)


def sign_in(client: httpx.Client, username: str, password: str, totp_seed: str) -> str:
    """Log ``client`` in through the forms (password, then the current TOTP code); return the session's CSRF token."""
    resp = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf_token(client.get("/login").text)}
    )
    if resp.status_code not in (200, 303) or "/login/second-factor" not in resp.headers.get("location", ""):
        raise RuntimeError(f"login as {username!r} failed: HTTP {resp.status_code}")
    form = client.get("/login/second-factor").text
    code = pyotp.TOTP(totp_seed).now()
    resp = client.post("/login/second-factor", data={"code": code, "csrf_token": csrf_token(form)})
    if resp.status_code != 303:
        raise RuntimeError(f"second factor of {username!r} refused: HTTP {resp.status_code}")
    return csrf_token(client.get("/account").text)


def signed_in_client(
    ui: UIProcess, username: str, password: str, totp_seed: str, *, timeout: float = REQUEST_TIMEOUT_S
) -> httpx.Client:
    """An httpx client holding a full session for ``username`` (an enrolled account); ``timeout`` per request."""
    client = ui.client(timeout=timeout)
    sign_in(client, username, password, totp_seed)
    return client


def add_enrolled_user(ctx: UIContext, name: str, role: str, password: str) -> str:
    """An account that finished its first login (own password, second factor enrolled); returns its TOTP seed.

    For tests and benchmarks that sign many users in: ``ctx.settings.secret_key`` must be the UI's secret.
    """
    add_user(ctx, name, role, password, must_change=False)
    seed = mfa.new_seed()
    enrol_totp(ctx, name, mfa.seal_seed(ctx.settings.secret_key, seed), mfa.current_step() - 2, [])
    return seed
