"""Login throttling: a sliding window of failures per user name and per client address.

Kept in process memory: it bounds online guessing per UI process; with several UI
processes behind a balancer each enforces its own window (documented limitation).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class LoginLimiter:
    def __init__(self, max_failures: int, window_seconds: int) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        queue = self._failures[key]
        while queue and now - queue[0] > self.window:
            queue.popleft()
        return queue

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(key, now)) >= self.max_failures for key in keys)

    def fail(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeed(self, user_key: str) -> None:
        with self._lock:
            self._failures.pop(user_key, None)
