"""The second factor: TOTP (RFC 6238, pyotp), its enrolment QR code (segno), recovery codes.

- TOTP seeds are stored encrypted (Fernet, key derived with HKDF from the UI secret), so
  a copy of the users index alone does not yield working codes. Rotating
  ``SIGNAAL_UI_SECRET_KEY`` therefore means re-enrolling (``signaal users reset-mfa``).
- A code is accepted once: the time step it belongs to must be later than the last step
  used (``totp_last_step``), and the user document is updated conditionally, so two
  workers cannot both accept the same code.
- The QR code is drawn on the server as an SVG ``data:`` image (no external fetch, no
  markup inserted into the page).
- Recovery codes are random (80 bits), shown once, and stored only as argon2 hashes.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import time
from functools import cache

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

STEP_SECONDS = 30
DIGITS = 6
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to read back


class SeedError(ValueError):
    """A stored seed cannot be decrypted (the UI secret changed): the user must re-enrol."""


@cache
def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"signaal-ui-totp-seed-v1").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def new_seed() -> str:
    return pyotp.random_base32(32)  # 160 bits, as RFC 4226 recommends


def seal_seed(secret_key: str, seed: str) -> str:
    return _fernet(secret_key).encrypt(seed.encode()).decode()


def open_seed(secret_key: str, sealed: str) -> str:
    try:
        return _fernet(secret_key).decrypt(sealed.encode()).decode()
    except InvalidToken as exc:
        raise SeedError("the stored second-factor seed cannot be read; the user must enrol again") from exc


def provisioning_uri(seed: str, user: str, issuer: str) -> str:
    return pyotp.TOTP(seed, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=user, issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """The otpauth URI as a QR code, an SVG ``data:`` URI for an ``<img>`` (CSP allows ``img-src data:``)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def matching_step(seed: str, code: str, last_step: int | None, now: float | None = None) -> int | None:
    """The time step ``code`` belongs to (now, one before or one after), if later than ``last_step``."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(seed, digits=DIGITS, interval=STEP_SECONDS)
    step_now = current_step(now)
    for step in (step_now - 1, step_now, step_now + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def new_recovery_codes(count: int) -> list[str]:
    """``count`` codes like ``k7dm-q2xa-9prt-hv3e`` (16 characters of a 31-letter alphabet, ~79 bits)."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def normalize_recovery_code(text: str) -> str | None:
    """A typed recovery code in its canonical form, or None if it cannot be one."""
    raw = "".join(ch for ch in text.lower() if ch.isalnum())
    if len(raw) != 16 or any(ch not in RECOVERY_ALPHABET for ch in raw):
        return None
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))
