"""Durable crawl state in SQLite (WAL): what is pending, what is done, and every ad version.

Scrapy's JOBDIR survives only a clean stop. This store is written in committed
transactions, so after ``kill -9`` the next run knows exactly which pages are
still pending (and fetches only those) and which ads it has already seen with
which content hash (so a re-fetch of an unchanged ad keeps its version and
nothing is duplicated). One file per site: ``<state_dir>/<site>.sqlite``, with
one writer at a time: a crawl holds the site's lease (crawler.lease) while it
has the store open, and on storage shared by several machines it opens the
store in exclusive locking mode (``SIGNAAL_STATE_EXCLUSIVE``; see ``__init__``).

Writes are grouped: one transaction per ``commit_every`` writes or
``commit_s`` seconds, whichever comes first (a commit per ad cost more than
the ad's parsing). This does not weaken resume: a transaction is atomic, and
everything it would have recorded (a URL done, an ad's version, a cached
image) is only a consequence of a fetch. ``kill -9`` before the commit leaves
those URLs pending, so they are fetched again and give the same versions
(same content hash), the JSON Lines writer skips the (id, version) pairs it
already has and the indexer upserts by id.

A *run* is one complete crawl of a site. A run that did not finish is resumed by
the next ``signaal crawl`` of that site; a finished run is followed by a new
one, which re-visits every page and gives changed ads a new version.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from signaal.ids import utc_now

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT, options TEXT NOT NULL,
    status TEXT, stop_reason TEXT);
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
    seq INTEGER NOT NULL, meta TEXT NOT NULL DEFAULT '{}', error TEXT, updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS urls_pending ON urls (status, kind, seq);
CREATE TABLE IF NOT EXISTS found_by (
    url TEXT NOT NULL, list TEXT NOT NULL, term TEXT NOT NULL, PRIMARY KEY (url, list, term));
CREATE TABLE IF NOT EXISTS ads (
    id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, version INTEGER NOT NULL,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, record BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS images (url TEXT PRIMARY KEY, entry BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS photo_records (key TEXT PRIMARY KEY, record BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS ad_versions (
    id TEXT NOT NULL, version INTEGER NOT NULL, content_hash TEXT NOT NULL, record BLOB NOT NULL,
    PRIMARY KEY (id, version));
"""

LISTING, DETAIL = "listing", "detail"
# How a crawl of a run ended (runs.status): done, stopped early (resume by re-running), or stopped because the
# site's selectors no longer match its pages (crawler.spiders.ads; ``signaal crawl`` exits 4).
FINISHED, STOPPED, LAYOUT_CHANGED = "finished", "stopped", "layout_changed"


@dataclass(frozen=True)
class Versioned:
    """What the store decided for one fetched ad."""

    version: int
    first_seen: str
    last_seen: str
    changed: bool


class StateStore:
    """One SQLite connection, used from the crawler's reactor thread only; writes are grouped (see above)."""

    def __init__(self, path: Path, *, commit_every: int = 200, commit_s: float = 1.0, exclusive: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.commit_every = commit_every
        self.commit_s = commit_s
        self._writes = 0
        self._committed_at = time.monotonic()
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        if exclusive:
            # Storage shared by several machines (docs/deployment.md): WAL's shared-memory index only works
            # between processes of one host, but in exclusive locking mode SQLite keeps that index in this
            # process's heap and never maps the -shm file. The site's lease (crawler.lease) already makes
            # this connection the only one, so nothing is lost but concurrent readers during a crawl.
            self.db.execute("PRAGMA locking_mode=EXCLUSIVE")
        self.db.execute("PRAGMA journal_mode=WAL")
        # NORMAL: a committed transaction survives a killed process (it is in the WAL file);
        # only a power cut may lose the last few, and those pages are simply fetched again.
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(runs)")}
        for column in ("status", "stop_reason"):  # stores written before crawls recorded why they stopped
            if column not in columns:
                self.db.execute(f"ALTER TABLE runs ADD COLUMN {column} TEXT")
        self._seq = self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM urls").fetchone()[0]

    def close(self) -> None:
        self.commit()
        self.db.close()

    # -- transactions -------------------------------------------------------------------------
    def _begin(self) -> None:
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")

    def _wrote(self) -> None:
        self._writes += 1
        if self._writes >= self.commit_every or time.monotonic() - self._committed_at >= self.commit_s:
            self.commit()

    def commit(self) -> None:
        """Make every write so far durable (against a killed process; see the module docstring)."""
        if self.db.in_transaction:
            self.db.execute("COMMIT")
        self._writes = 0
        self._committed_at = time.monotonic()

    # -- runs ---------------------------------------------------------------------------------
    def open_run(self, options: dict[str, Any]) -> tuple[int, bool]:
        """Return (run id, resumed): the unfinished run if there is one, else a fresh run.

        A fresh run is left uncommitted: the caller adds its seed URLs and calls ``commit()``, so a
        crawl killed in between leaves no unfinished run without URLs (which would "resume" to nothing).
        """
        row = self.db.execute("SELECT id FROM runs WHERE finished_at IS NULL ORDER BY id DESC LIMIT 1").fetchone()
        if row:
            return row[0], True
        self._begin()
        self.db.execute("DELETE FROM urls")
        self.db.execute("DELETE FROM images")  # images are cached within one run (see images pipeline)
        cur = self.db.execute(
            "INSERT INTO runs (started_at, options) VALUES (?, ?)", (utc_now(), orjson.dumps(options))
        )
        self._seq = 0
        return int(cur.lastrowid or 0), False

    def finish_run(self, run_id: int) -> None:
        self._begin()
        self.db.execute("UPDATE runs SET finished_at = ? WHERE id = ?", (utc_now(), run_id))
        self.commit()

    def set_run_status(self, run_id: int, status: str, stop_reason: str | None = None) -> None:
        """How the run's last crawl ended: finished, stopped (resumable) or layout_changed, with why."""
        self._begin()
        self.db.execute("UPDATE runs SET status = ?, stop_reason = ? WHERE id = ?", (status, stop_reason, run_id))
        self.commit()

    def run_status(self, run_id: int) -> tuple[str | None, str | None]:
        """(status, stop_reason) recorded for a run; (None, None) before its first crawl ended."""
        row = self.db.execute("SELECT status, stop_reason FROM runs WHERE id = ?", (run_id,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def last_run(self) -> dict[str, Any] | None:
        """The newest run: id, started_at, finished_at, status, stop_reason (for ``signaal sites status``)."""
        row = self.db.execute(
            "SELECT id, started_at, finished_at, status, stop_reason FROM runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        keys = ("id", "started_at", "finished_at", "status", "stop_reason")
        return dict(zip(keys, row, strict=True)) if row else None

    def requeue_failed(self, error: str) -> int:
        """Make the URLs that failed with ``error`` pending again (after a fix to the site's config)."""
        self._begin()
        cur = self.db.execute(
            "UPDATE urls SET status = 'pending', error = NULL, updated_at = ? WHERE status = 'failed' AND error = ?",
            (utc_now(), error),
        )
        self.commit()
        return cur.rowcount

    def run_options(self, run_id: int) -> dict[str, Any]:
        row = self.db.execute("SELECT options FROM runs WHERE id = ?", (run_id,)).fetchone()
        return orjson.loads(row[0]) if row else {}

    # -- urls ---------------------------------------------------------------------------------
    def add_pending(self, kind: str, items: Iterable[tuple[str, dict[str, Any]]]) -> int:
        """Record URLs to fetch (ignored when already known this run); returns how many were new."""
        now = utc_now()
        added = 0
        self._begin()
        for url, meta in items:
            self._seq += 1
            cur = self.db.execute(
                "INSERT OR IGNORE INTO urls (url, kind, seq, meta, updated_at) VALUES (?, ?, ?, ?, ?)",
                (url, kind, self._seq, orjson.dumps(meta), now),
            )
            added += cur.rowcount
        self._wrote()
        return added

    def add_found_by(self, url: str, list_name: str, term: str) -> None:
        self._begin()
        self.db.execute("INSERT OR IGNORE INTO found_by VALUES (?, ?, ?)", (url, list_name, term))
        self._wrote()

    def found_by(self, url: str) -> list[dict[str, str]]:
        rows = self.db.execute("SELECT list, term FROM found_by WHERE url = ? ORDER BY list, term", (url,))
        return [{"list": r[0], "term": r[1]} for r in rows]

    def pending(self, kind: str, limit: int, exclude: set[str] | None = None) -> Iterator[tuple[str, dict]]:
        """Pending URLs of one kind in discovery order, skipping ones already in flight."""
        rows = self.db.execute(
            "SELECT url, meta FROM urls WHERE status = 'pending' AND kind = ? ORDER BY seq LIMIT ?",
            (kind, limit + len(exclude or ())),
        ).fetchall()
        n = 0
        for url, meta in rows:
            if exclude and url in exclude:
                continue
            yield url, orjson.loads(meta)
            n += 1
            if n >= limit:
                return

    def mark(self, url: str, status: str, error: str | None = None) -> None:
        """``done`` or ``failed`` (with the error kind); never goes back to pending."""
        self._begin()
        self.db.execute(
            "UPDATE urls SET status = ?, error = ?, updated_at = ? WHERE url = ?",
            (status, error, utc_now(), url),
        )
        self._wrote()

    def status(self, url: str) -> str | None:
        row = self.db.execute("SELECT status FROM urls WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def counts(self) -> dict[str, dict[str, int]]:
        """{kind: {status: n}} for the current run."""
        out: dict[str, dict[str, int]] = {}
        for kind, status, n in self.db.execute("SELECT kind, status, COUNT(*) FROM urls GROUP BY kind, status"):
            out.setdefault(kind, {})[status] = n
        return out

    def failures(self) -> list[tuple[str, str]]:
        return self.db.execute("SELECT url, error FROM urls WHERE status = 'failed' ORDER BY seq").fetchall()

    # -- ads and versions ---------------------------------------------------------------------
    def record_ad(self, ad_id: str, content_hash: str, seen_at: str, record: dict[str, Any]) -> Versioned:
        """Register a fetched ad: same hash keeps the version, a new hash archives the old record.

        Idempotent: processing the same fetch twice (a resumed run) yields the same version.
        The stored copy of ``record`` gets the decided ``crawl.version/first_seen/last_seen``.
        """
        self._begin()
        row = self.db.execute(
            "SELECT content_hash, version, first_seen, record FROM ads WHERE id = ?", (ad_id,)
        ).fetchone()
        if row is None:
            version, first_seen, changed = 1, seen_at, True
        elif row[0] == content_hash:
            version, first_seen, changed = row[1], row[2], False
        else:
            version, first_seen, changed = row[1] + 1, row[2], True
            self.db.execute("INSERT OR IGNORE INTO ad_versions VALUES (?, ?, ?, ?)", (ad_id, row[1], row[0], row[3]))
        crawl = {
            **record.get("crawl", {}),
            "version": version,
            "first_seen": first_seen,
            "last_seen": seen_at,
        }
        record = {**record, "crawl": crawl}
        self.db.execute(
            "INSERT INTO ads VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "content_hash = excluded.content_hash, version = excluded.version, "
            "last_seen = excluded.last_seen, record = excluded.record",
            (ad_id, content_hash, version, first_seen, seen_at, orjson.dumps(record)),
        )
        self._wrote()
        return Versioned(version=version, first_seen=first_seen, last_seen=seen_at, changed=changed)

    # -- images seen this run -----------------------------------------------------------------
    def image(self, url: str) -> dict[str, Any] | None:
        """The image entry (hashes, size, WARC record) stored when this URL was fetched earlier in the run."""
        row = self.db.execute("SELECT entry FROM images WHERE url = ?", (url,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def remember_image(self, url: str, entry: dict[str, Any]) -> None:
        self._begin()
        self.db.execute("INSERT OR REPLACE INTO images VALUES (?, ?)", (url, orjson.dumps(entry)))
        self._wrote()

    # -- what photos' bytes said, across runs ---------------------------------------------------
    def photo_record(self, key: str) -> dict[str, Any] | None:
        """The analysis of bytes seen in an earlier fetch (``key``: analysis version and SHA-256), if any.

        Unlike ``images`` this survives new runs: a recrawl fetches every photo again (the WARC proves each
        run), but bytes analysed once need not be decoded again."""
        row = self.db.execute("SELECT record FROM photo_records WHERE key = ?", (key,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def remember_photo_record(self, key: str, record: dict[str, Any]) -> None:
        self._begin()
        self.db.execute("INSERT OR REPLACE INTO photo_records VALUES (?, ?)", (key, orjson.dumps(record)))
        self._wrote()

    def ad(self, ad_id: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT record FROM ads WHERE id = ?", (ad_id,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def versions(self, ad_id: str) -> list[dict[str, Any]]:
        """Every stored version of an ad, oldest first, the current one last."""
        rows = self.db.execute("SELECT record FROM ad_versions WHERE id = ? ORDER BY version", (ad_id,))
        out = [orjson.loads(r[0]) for r in rows]
        current = self.ad(ad_id)
        return [*out, current] if current else out

    def all_ads(self) -> Iterator[dict[str, Any]]:
        for (record,) in self.db.execute("SELECT record FROM ads ORDER BY id"):
            yield orjson.loads(record)
