"""Progress of long jobs on stderr: a bar with rate and time left on a terminal, else a line every few seconds.

``signaal index``, ``link``, ``rescore``, ``train`` and ``schedule --wait`` run
for minutes on a large index. On a terminal they show a rich progress bar; in a
log (cron, CI, a pipe) they print one plain line every ``every_s`` seconds, so
a log stays readable and still says how far a job got. Everything goes to
stderr: a command's final summary line on stdout stays exactly what it was.
``SIGNAAL_PROGRESS=bar|lines|off`` overrides the choice, ``SIGNAAL_PROGRESS_EVERY_S``
the seconds between lines (0: a line at every step, as bench/bench_scale.py uses to
time the steps).
"""

from __future__ import annotations

import os
import sys
import time
from types import TracebackType
from typing import IO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress

MODES = ("bar", "lines", "off")


def choose_mode(stream: IO[str]) -> str:
    """``SIGNAAL_PROGRESS`` if set, else a bar on a terminal and lines elsewhere."""
    forced = os.environ.get("SIGNAAL_PROGRESS", "").strip().lower()
    if forced in MODES:
        return forced
    return "bar" if stream.isatty() else "lines"


def _number(value: float) -> str:
    return f"{value:,.0f}"


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class Progress:
    """``with Progress("link", total=n, unit="ads") as p: p.advance(k)``; ``p.phase("writing")`` renames the step."""

    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        unit: str = "items",
        every_s: float = 5.0,
        stream: IO[str] | None = None,
        mode: str | None = None,
    ) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        forced_every = os.environ.get("SIGNAAL_PROGRESS_EVERY_S", "").strip()
        self.every_s = float(forced_every) if forced_every else every_s
        self.stream = stream or sys.stderr
        self.mode = mode or choose_mode(self.stream)
        self.completed = 0
        self.started = time.monotonic()
        self._last_line = self.started
        self._lines = 0
        self._bar: RichProgress | None = None
        self._task = None

    def __enter__(self) -> Progress:
        self.started = self._last_line = time.monotonic()
        if self.mode == "bar":
            self._bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeRemainingColumn(),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total, rate="")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
        elif self.mode == "lines" and self._lines:
            self._print_line()

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.completed / elapsed if elapsed > 0 else 0.0

    def line(self) -> str:
        """The plain progress line: ``link: 12,000/100,000 ads (12 %), 2,400 ads/s, 37 s left``."""
        rate = self.rate()
        done = _number(self.completed)
        if self.total:
            share = 100 * self.completed / self.total
            text = f"{self.label}: {done}/{_number(self.total)} {self.unit} ({share:.0f} %), {rate:,.0f} {self.unit}/s"
            if rate > 0 and self.completed < self.total:
                text += f", {_duration((self.total - self.completed) / rate)} left"
            return text
        return f"{self.label}: {done} {self.unit}, {rate:,.0f} {self.unit}/s"

    def _print_line(self) -> None:
        print(self.line(), file=self.stream, flush=True)
        self._lines += 1
        self._last_line = time.monotonic()

    def _refresh(self) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.update(
                self._task, completed=self.completed, total=self.total, rate=f"{self.rate():,.0f} {self.unit}/s"
            )
        elif self.mode == "lines" and time.monotonic() - self._last_line >= self.every_s:
            self._print_line()

    def advance(self, n: int = 1) -> None:
        self.completed += n
        self._refresh()

    def update(self, completed: int, total: int | None = None) -> None:
        """Set the absolute count (and the total, once it is known)."""
        self.completed = completed
        if total is not None:
            self.total = total
        self._refresh()

    def phase(self, label: str) -> None:
        """Name the step now running (e.g. ``link: writing``)."""
        self.label = label
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, description=label)
