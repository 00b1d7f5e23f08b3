"""The spool drained by a process of its own while the crawl appends (storage.drainer).

Appends never wait for a drain's database work; the drainer writes batches as they come,
backs off while the database is unreachable (keeping everything in the spool), and drains
once more when its input closes, also when the crawl process that started it dies.
"""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from storage import Spool, Store
from storage.drainer import BackgroundDrainer
from tests.test_storage_support import day_at, listing, scalar, store, store_url  # noqa: F401

pytestmark = pytest.mark.reliability
ROOT = Path(__file__).resolve().parents[1]


def _until(check, seconds: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"not reached in {seconds} s: {what}"
        time.sleep(0.05)


class _SlowStore:
    """A Store whose ``write_items`` waits for ``release`` (a drain busy with the database)."""

    def __init__(self, store):
        self.store, self.entered, self.release = store, threading.Event(), threading.Event()

    def write_items(self, run, items):
        self.entered.set()
        assert self.release.wait(60)
        return self.store.write_items(run, items)

    def __getattr__(self, name):
        return getattr(self.store, name)


def test_an_append_does_not_wait_for_a_drain_writing_to_the_database(tmp_path):
    good = Store(f"sqlite:///{tmp_path / 'v.db'}")
    good.upgrade()
    spool = Spool(tmp_path / "run.jsonl")
    run = spool.start_run("bazaar", "bazaar", day_at(0))
    spool.write_items(run, [listing("1")])
    slow = _SlowStore(good)
    drain = threading.Thread(target=spool.drain, args=(slow,))
    drain.start()
    assert slow.entered.wait(30)                       # the drain is inside the database write
    appended = threading.Thread(target=spool.write_items, args=(run, [listing("2")]))
    appended.start()
    appended.join(30)
    finished_while_draining = not appended.is_alive() and drain.is_alive()
    slow.release.set()
    drain.join(30)
    appended.join(30)
    assert finished_while_draining, "the append waited for the drain's database work"
    assert [op["op"] for op in spool.pending()] in ([], ["items"])   # read by that drain, or left for the next
    spool.drain(good)
    assert spool.pending() == [] and spool.path.stat().st_size == 0
    assert scalar(good, "SELECT count(*) FROM listing_versions") == 2
    good.dispose()


def test_the_drainer_writes_batches_as_they_come_then_stops(store, store_url, tmp_path):
    spool = Spool(tmp_path / "run.jsonl")
    run = spool.start_run("bazaar", "bazaar", day_at(0))
    drainer = BackgroundDrainer(spool.path, store_url).start()
    try:
        spool.write_items(run, [listing(str(i)) for i in range(30)])
        _until(lambda: scalar(store, "SELECT count(*) FROM listing_versions") == 30, what="first batch")
        spool.write_items(run, [listing(str(i)) for i in range(30, 50)])
        spool.finish_run(run, "complete")
    finally:
        counts = drainer.stop()
    assert counts["failed"] == 0 and counts["items"] == 50
    assert spool.pending() == []
    assert scalar(store, "SELECT count(*) FROM listing_versions") == 50
    assert scalar(store, "SELECT status FROM crawl_runs") == "complete"


def test_the_drainer_keeps_batches_while_the_database_is_unreachable(tmp_path):
    spool = Spool(tmp_path / "run.jsonl")
    run = spool.start_run("bazaar", "bazaar", day_at(0))
    drainer = BackgroundDrainer(spool.path, f"sqlite:///{tmp_path / 'missing-dir' / 'v.db'}").start()
    try:
        spool.write_items(run, [listing(str(i)) for i in range(10)])
        time.sleep(1.5)                                 # a few tries while the database is away
    finally:
        counts = drainer.stop(timeout=30)
    assert counts["failed"] >= 1 and counts["items"] == 0 and "OperationalError" in counts["last_error"]
    assert [op["op"] for op in spool.pending()] == ["start_run", "items"]
    good = Store(f"sqlite:///{tmp_path / 'v.db'}")
    good.upgrade()
    spool.drain(good)
    assert scalar(good, "SELECT count(*) FROM listing_versions") == 10
    good.dispose()


PARENT = """
import sys, time
from storage.drainer import BackgroundDrainer
d = BackgroundDrainer(sys.argv[1], sys.argv[2]).start()
print(d.proc.pid, flush=True)
sys.stdin.readline()                                   # until the test says so
"""


def test_a_drainer_whose_crawl_process_dies_drains_once_more_and_exits(store, store_url, tmp_path):
    spool = Spool(tmp_path / "run.jsonl")
    run = spool.start_run("bazaar", "bazaar", day_at(0))
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(spool.path), store_url], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    drainer_pid = int(parent.stdout.readline())
    spool.write_items(run, [listing(str(i)) for i in range(12)])
    parent.kill()                                      # SIGKILL: the drainer's input closes
    parent.wait(30)
    _until(lambda: not _alive(drainer_pid), what="the drainer exits")
    assert scalar(store, "SELECT count(*) FROM listing_versions") == 12
    assert spool.pending() == []


def _alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting for init to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


@pytest.mark.parametrize("stdin, argv", [("", ["run.jsonl"]), ("sqlite:///x.db\n", []),
                                         ("sqlite:///x.db\n", ["a.jsonl", "b.jsonl"])])
def test_the_drainer_refuses_a_call_without_its_spool_or_database(stdin, argv, tmp_path):
    """The drainer's own command line: a missing database URL (stdin) or spool path is a
    usage error (exit 2), never a drainer that waits on nothing."""
    out = subprocess.run([sys.executable, "-m", "storage.drainer", *argv], cwd=ROOT, input=stdin,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "usage: python -m storage.drainer" in out.stderr
    assert not list(tmp_path.iterdir())
