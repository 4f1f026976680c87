"""One writer per site: the lease is exclusive across processes, freed when its holder dies, and says who holds it."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from crawler.lease import LeaseHeldError, SiteLease, lease_path, owner_identity, read_lease
from crawler.state import StateStore

HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from crawler.lease import SiteLease, owner_identity
    lease = SiteLease(Path(sys.argv[1]), "prikbord", owner_identity("node-7", "job-1"))
    lease.acquire()
    print("held", flush=True)
    sys.stdin.read()  # hold until the test closes our stdin (or kills us)
    """
)


@pytest.fixture
def holder(tmp_path):
    """Another process holding the prikbord lease until it is killed."""
    path = lease_path(tmp_path, "prikbord")
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        yield proc, path
    finally:
        proc.kill()
        proc.wait()


def test_a_second_process_cannot_take_a_held_lease_and_learns_who_holds_it(holder):
    proc, path = holder
    mine = SiteLease(path, "prikbord", owner_identity("node-2", "job-2"))
    with pytest.raises(LeaseHeldError) as caught:
        mine.acquire()
    assert caught.value.holder.node == "node-7" and caught.value.holder.job == "job-1"
    assert caught.value.holder.pid == proc.pid
    assert "node node-7" in str(caught.value) and "never crawled twice" in str(caught.value)
    seen = read_lease(path, "prikbord")
    assert seen is not None and seen.held and seen.node == "node-7"


def test_the_lease_is_free_again_when_its_holder_is_killed(holder):
    proc, path = holder
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    seen = read_lease(path, "prikbord")
    assert seen is not None and not seen.held and seen.node == "node-7", "the file still names the last holder"
    mine = SiteLease(path, "prikbord", owner_identity("node-2", "job-2"))
    mine.acquire()
    mine.heartbeat()
    mine.release()
    # (read only now: a process that closes any descriptor of the file drops its own lock, see crawler.lease)
    seen = read_lease(path, "prikbord")
    assert seen is not None and not seen.held
    assert (seen.node, seen.job) == ("node-2", "job-2") and seen.heartbeat_at >= seen.acquired_at


def test_read_lease_of_a_site_never_crawled(tmp_path):
    assert read_lease(lease_path(tmp_path, "nowhere"), "nowhere") is None


def test_exclusive_state_store_keeps_no_shared_memory_file_and_admits_no_second_connection(tmp_path):
    db = tmp_path / "prikbord.sqlite"
    store = StateStore(db, exclusive=True)
    store.open_run({})
    store.commit()
    assert not db.with_name(db.name + "-shm").exists(), "exclusive WAL mode must not map a shared-memory file"
    other = sqlite3.connect(db, timeout=0.2)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("SELECT COUNT(*) FROM runs").fetchone()
    other.close()
    store.close()
    again = StateStore(db)
    assert again.open_run({})[1], "the unfinished run is resumed by the next writer"
    again.close()
