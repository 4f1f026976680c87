"""Waiting in tests: for an event (a line, a port, a file, a process exit) under one generous deadline.

CI runs the suite on two cores shared with other work, where anything can take ten times longer than on
an idle machine. So no test bounds how long something takes: it waits for the thing itself and gives up
only after ``DEADLINE_S``, long enough that reaching it means a hang rather than a busy machine, and
shorter than pytest-timeout's 600 s so that the failure names what was awaited.

Processes a test starts run in a session (process group) of their own, with their output in files or
drained by ``communicate`` (a pipe nobody reads fills up and stalls the child), and are killed with
their children when the test ends, however it ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import psutil

DEADLINE_S = float(os.environ.get("SIGNAAL_TEST_DEADLINE_S", "300"))
POLL_S = 0.05  # how often a condition is looked at; not a bound on anything
TAIL_CHARS = 3000

T = TypeVar("T")


def wait_until(
    condition: Callable[[], T],
    what: str,
    *,
    process: subprocess.Popen | None = None,
    deadline_s: float = DEADLINE_S,
) -> T:
    """Return ``condition()`` once it is truthy; fail naming ``what`` if ``process`` exits first or time runs out."""
    end = time.monotonic() + deadline_s
    while True:
        value = condition()
        if value:
            return value
        if process is not None and process.poll() is not None:
            value = condition()  # one last look: it may have happened just before the exit
            if value:
                return value
            raise AssertionError(f"{what}: the process exited (code {process.returncode}) before it happened")
        if time.monotonic() > end:
            raise AssertionError(f"{what}: did not happen within {deadline_s:.0f} s")
        time.sleep(POLL_S)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts connections on ``host:port`` now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex((host, port)) == 0


def kill_tree(proc: subprocess.Popen, *, group: bool = True) -> None:
    """SIGKILL ``proc`` and its descendants, then reap it; ``group``: it was started with
    ``start_new_session``, so its process group also reaches children orphaned by its exit."""
    alive = proc.poll() is None
    try:
        descendants = psutil.Process(proc.pid).children(recursive=True) if alive else []
    except psutil.NoSuchProcess:
        descendants = []
    if group:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    if alive:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    for child in descendants:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    proc.wait()


def stop(proc: subprocess.Popen, *, group: bool = False, deadline_s: float = DEADLINE_S) -> int | None:
    """SIGTERM ``proc`` and wait for its exit; SIGKILL it (and its children) if that takes ``deadline_s``.
    Returns its exit code, or None when it had to be killed."""
    if proc.poll() is None:
        proc.terminate()
        try:
            return proc.wait(timeout=deadline_s)
        except subprocess.TimeoutExpired:
            kill_tree(proc, group=group)
            return None
    kill_tree(proc, group=group)  # exited: only children it may have left behind
    return proc.returncode


def _tail(text: str | None) -> str:
    return (text or "")[-TAIL_CHARS:]


def run(
    args: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    input: str | None = None,
    deadline_s: float = DEADLINE_S,
) -> subprocess.CompletedProcess[str]:
    """``subprocess.run`` with captured text output, in its own process group, killed with its children if
    it has not exited after ``deadline_s`` (then the test fails with the tail of its output)."""
    proc = subprocess.Popen(
        list(args),
        env=env,
        cwd=cwd,
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(input, timeout=deadline_s)
    except subprocess.TimeoutExpired:
        kill_tree(proc)
        stdout, stderr = proc.communicate()
        raise AssertionError(
            f"{Path(args[0]).name} {' '.join(args[1:3])} did not exit within {deadline_s:.0f} s\n"
            f"stdout: {_tail(stdout)}\nstderr: {_tail(stderr)}"
        ) from None
    finally:
        kill_tree(proc)  # a child it left behind (a browser, a server) goes too
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


@dataclass
class Spawned:
    """A running child whose stdout and stderr go to files, so they can be read while it runs."""

    proc: subprocess.Popen
    stdout_path: Path
    stderr_path: Path

    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_output(self, needle: str, *, deadline_s: float = DEADLINE_S) -> str:
        """Wait until ``needle`` appears on stdout; return stdout so far."""
        return wait_until(
            lambda: self.stdout() if needle in self.stdout() else "",
            f"{needle!r} on stdout",
            process=self.proc,
            deadline_s=deadline_s,
        )

    def wait(self, *, deadline_s: float = DEADLINE_S) -> int:
        """Wait for the exit; fail with the tail of stderr if it does not come within ``deadline_s``."""
        try:
            return self.proc.wait(timeout=deadline_s)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"the process did not exit within {deadline_s:.0f} s; stderr: {_tail(self.stderr())}"
            ) from None


@contextlib.contextmanager
def spawn(args: Sequence[str], log_dir: Path, *, env: dict[str, str] | None = None) -> Iterator[Spawned]:
    """Start ``args`` in its own process group with output in ``log_dir``; kill it and its children on exit."""
    log_dir.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path = log_dir / "stdout.log", log_dir / "stderr.log"
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        proc = subprocess.Popen(
            list(args), env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True
        )
    try:
        yield Spawned(proc, stdout_path, stderr_path)
    finally:
        kill_tree(proc)
