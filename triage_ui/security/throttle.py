"""Login throttling that slows guessing without letting anyone lock users out.

Three counters (``security.counters``, shared by every worker):

- per **account**: after ``login_free_failures`` failures the account waits an
  increasing delay (doubling up to ``login_delay_max_seconds``) between attempts; an
  attempt inside the delay is turned away before any password check and counts for
  nothing. A login completed with the second factor clears it.
- per **device**: a browser that once completed a login for the account carries a
  signed device cookie (``security.devices``); attempts from it skip the account delay
  (so an attacker elsewhere cannot lock its owner out) and count against the device
  instead, which stops being trusted after ``login_free_failures`` failures.
- per **source address**: over ``login_source_soft_limit`` failures the address is in
  *soft* mode: it must give password and code in one step (no password oracle for a
  spraying address), and its failures are answered after a short tarpit. A correct
  password with a correct second factor always gets in. Success does not clear it:
  behind a proxy every user shares one address.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from triage_ui.context import UIContext
from triage_ui.security import counters

ACCOUNT, SOURCE, DEVICE = "login-account", "login-source", "login-device"
PURGE_EVERY_SECONDS = 300.0


@dataclass(frozen=True)
class Verdict:
    """What the throttle says about one login attempt, before the password is checked."""

    wait_seconds: float  # > 0: the account is in its delay; turn the attempt away
    soft: bool  # the source is over its soft limit: password and code together


class LoginThrottle:
    """The policy above over the shared counters; one per app (it holds only settings)."""

    def __init__(self, ctx: UIContext) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self._last_purge = 0.0

    @property
    def window(self) -> float:
        return float(self.settings.login_window_seconds)

    def _delay_after(self, failures: int) -> float:
        """Seconds an account waits after its ``failures``-th failure (0 within the free failures)."""
        over = failures - self.settings.login_free_failures
        if over < 0:
            return 0.0
        return min(self.settings.login_delay_max_seconds, self.settings.login_delay_seconds * 2.0**over)

    def device_trusted(self, device_id: str | None) -> bool:
        if device_id is None:
            return False
        counter = counters.peek(self.ctx, DEVICE, device_id, self.window)
        return counter is None or counter.count < self.settings.login_free_failures

    def source_soft(self, source: str) -> bool:
        """Whether ``source`` is over its soft limit (password and code together)."""
        counter = counters.peek(self.ctx, SOURCE, source, self.window)
        return counter is not None and counter.count >= self.settings.login_source_soft_limit

    def check(self, username: str, source: str, device_id: str | None) -> Verdict:
        soft = self.source_soft(source)
        if self.device_trusted(device_id):
            return Verdict(0.0, soft)
        account = counters.peek(self.ctx, ACCOUNT, username, self.window)
        if account is None:
            return Verdict(0.0, soft)
        ready_at = account.last_at / 1000 + self._delay_after(account.count)
        return Verdict(max(0.0, ready_at - time.time()), soft)

    def failed(self, username: str, source: str, device_id: str | None) -> None:
        """Count a wrong password or code against the device (if trusted) or the account, and the source."""
        if self.device_trusted(device_id):
            counters.hit(self.ctx, DEVICE, device_id or "", self.window)
        else:
            counters.hit(self.ctx, ACCOUNT, username, self.window)
        counters.hit(self.ctx, SOURCE, source, self.window)
        self._purge_now_and_then()

    def succeeded(self, username: str, device_id: str | None) -> None:
        """A login completed with the second factor: the account's (and device's) slate is clean."""
        counters.clear(self.ctx, ACCOUNT, username)
        if device_id is not None:
            counters.clear(self.ctx, DEVICE, device_id)

    def _purge_now_and_then(self) -> None:
        if time.monotonic() - self._last_purge >= PURGE_EVERY_SECONDS:
            self._last_purge = time.monotonic()
            counters.purge_expired(self.ctx)
