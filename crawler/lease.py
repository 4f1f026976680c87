"""One writer per site: a lease file next to the site's crawl state, locked for as long as a crawl runs.

A site's crawl state (SQLite), spool and WARC files may live on storage that
several crawl nodes share, so that a crawl that died with its node resumes on
another one. Two crawls of one site at once would both write them, so every
crawl first takes the site's lease, ``<state_dir>/<site>.lease``:

- an exclusive POSIX record lock (``fcntl.lockf``) on the file, held until the
  crawl process ends. The kernel (or the NFS lock manager, for a shared mount)
  drops it when the process dies however it dies, so a dead crawl never blocks
  its site for good, and a live one can never lose it;
- the file's content says who holds it (node, Scrapyd job, host, pid) and a
  heartbeat the crawl rewrites every few seconds, so ``signaal schedule
  --status`` can show who crawls a site and whether it still makes progress.

The lock is the authority; the content is for people. Another process tests the
lock without taking it for long (:func:`read_lease`). POSIX record locks belong
to a process and are dropped when *any* descriptor of the file is closed by that
process, so the crawl process itself must never open its own lease file except
through its :class:`SiteLease`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from signaal.ids import utc_now

LEASE_SUFFIX = ".lease"


class LeaseHeldError(RuntimeError):
    """Another process crawls this site now; the message names it."""

    def __init__(self, site: str, holder: LeaseInfo) -> None:
        who = holder.describe()
        super().__init__(f"site {site} is being crawled by {who}; a site is never crawled twice at once")
        self.holder = holder


@dataclass(frozen=True)
class LeaseInfo:
    """What a lease file says, and whether its lock is held right now."""

    site: str
    node: str
    job: str
    host: str
    pid: int
    acquired_at: str
    heartbeat_at: str
    held: bool

    def describe(self) -> str:
        return f"node {self.node} (job {self.job}, pid {self.pid} on {self.host}, heartbeat {self.heartbeat_at})"


def lease_path(state_dir: Path, site: str) -> Path:
    return state_dir / f"{site}{LEASE_SUFFIX}"


def owner_identity(node: str | None = None, job: str | None = None) -> dict[str, Any]:
    """Who this process is: node id (``SIGNAAL_NODE_ID`` or the host name), job, host, pid."""
    host = socket.gethostname()
    return {
        "node": node or os.environ.get("SIGNAAL_NODE_ID") or host,
        "job": job or "local",
        "host": host,
        "pid": os.getpid(),
    }


def _parse(site: str, data: bytes, held: bool) -> LeaseInfo:
    """The lease content; unreadable content (caught mid-rewrite) still reports whether the lock is held."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        doc = {}
    if not isinstance(doc, dict):
        doc = {}
    return LeaseInfo(
        site=site,
        node=str(doc.get("node", "?")),
        job=str(doc.get("job", "?")),
        host=str(doc.get("host", "?")),
        pid=int(doc.get("pid") or 0),
        acquired_at=str(doc.get("acquired_at", "")),
        heartbeat_at=str(doc.get("heartbeat_at", "")),
        held=held,
    )


class SiteLease:
    """The lease of one site for this process: ``acquire()`` once, ``heartbeat()`` often, ``release()`` at the end."""

    def __init__(self, path: Path, site: str, owner: dict[str, Any]) -> None:
        self.path = path
        self.site = site
        self.owner = owner
        self._fd: int | None = None
        self._acquired_at = ""

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lease or raise :class:`LeaseHeldError` (never waits: the caller decides what to do)."""
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _parse(self.site, os.pread(fd, 4096, 0), held=True)
            os.close(fd)
            raise LeaseHeldError(self.site, holder) from None
        self._fd = fd
        self._acquired_at = utc_now()
        self.heartbeat()

    def heartbeat(self) -> None:
        """Rewrite the content with a fresh heartbeat (through the locked descriptor: keeps the lock)."""
        if self._fd is None:
            return
        doc = {**self.owner, "site": self.site, "acquired_at": self._acquired_at, "heartbeat_at": utc_now()}
        data = orjson.dumps(doc)
        os.pwrite(self._fd, data, 0)
        os.ftruncate(self._fd, len(data))

    def release(self) -> None:
        """Give the lease back (the file stays: removing it would race with a process opening it)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            fcntl.lockf(fd, fcntl.LOCK_UN)
        os.close(fd)


def read_lease(path: Path, site: str) -> LeaseInfo | None:
    """The lease of a site as another process sees it (None if no crawl ever took it).

    ``held`` comes from a test of the lock: a shared lock that is refused means a crawl holds it.
    Never call this from the process that holds the lease (see the module docstring).
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            held = False
        except OSError:
            held = True
        return _parse(site, os.pread(fd, 4096, 0), held)
    finally:
        os.close(fd)  # also drops the shared lock, if we got it
