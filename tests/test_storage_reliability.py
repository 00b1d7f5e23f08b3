"""Nothing lost, nothing doubled: concurrent writers, a killed writer, a database outage."""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import socket
import threading
import time
from pathlib import Path

import pytest

from storage import Spool, Store
from tests.test_storage_support import (day_at, feedback, listing, rows, scalar, store, store_url,  # noqa: F401
                                        vendor)

pytestmark = pytest.mark.reliability
SPAWN = mp.get_context("spawn")


def _writer(url: str, name: str, shared: int, own: int) -> None:
    """A crawl process: its own run, items shared with the other writer plus its own."""
    s = Store(url, batch_size=40)
    run = s.start_run("bazaar", "bazaar", day_at(0))
    items = [listing(str(i), 0) for i in range(shared)] + [listing(f"{name}-{i}", 0) for i in range(own)]
    items += [vendor(f"V{i % 30}", 0) for i in range(60)] + [feedback(f"f{i}", 0) for i in range(shared)]
    s.write_items(run, items)
    s.write_items(run, items[::3])                   # and a partial replay
    s.finish_run(run, "partial", "test")
    s.dispose()


def test_two_processes_writing_at_once_lose_and_double_nothing(store, store_url):
    procs = [SPAWN.Process(target=_writer, args=(store_url, n, 400, 150)) for n in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(240)
        assert p.exitcode == 0
    assert scalar(store, "SELECT count(*) FROM listings") == 400 + 2 * 150
    assert scalar(store, "SELECT count(*) FROM listing_versions") == 400 + 2 * 150
    assert scalar(store, "SELECT count(*) FROM vendor_versions") == 30
    assert scalar(store, "SELECT count(*) FROM vendor_accounts") == 31      # + DutchMasters of the listings
    assert scalar(store, "SELECT count(*) FROM feedback") == 400
    assert scalar(store, "SELECT count(*) FROM crawl_runs WHERE status = 'partial'") == 2


def _crashing_writer(url: str, spool_path: str, acks: str) -> None:
    """Spool each batch, write it, then acknowledge it; runs until killed."""
    s = Store(url, batch_size=25)
    spool = Spool(spool_path)
    run = spool.start_run("bazaar", "bazaar", day_at(0))
    for b in range(10_000):
        spool.write_items(run, [listing(f"{b}-{i}", 0) for i in range(60)] + [feedback(f"{b}-{i}", 0) for i in range(20)])
        spool.drain(s)
        with open(acks, "a") as fh:
            fh.write(f"{b}\n")
            fh.flush()
            os.fsync(fh.fileno())


def test_a_killed_writer_loses_nothing_acknowledged_and_replay_doubles_nothing(store, store_url, tmp_path):
    spool_path, acks = tmp_path / "spool.jsonl", tmp_path / "acks"
    acks.touch()
    p = SPAWN.Process(target=_crashing_writer, args=(store_url, str(spool_path), str(acks)))
    p.start()
    deadline = time.monotonic() + 120
    while len(acks.read_text().split()) < 4 and time.monotonic() < deadline and p.is_alive():
        time.sleep(0.02)
    os.kill(p.pid, signal.SIGKILL)
    p.join(30)
    acked = [int(x) for x in acks.read_text().split()]
    assert len(acked) >= 4
    stored = {lid for lid, in rows(store, "SELECT listing_id FROM listings")}
    for b in acked:
        assert all(f"{b}-{i}" in stored for i in range(60)), f"acknowledged batch {b} lost"
    spooled = sum(len(op["items"]) for op in Spool(spool_path).pending() if op["op"] == "items")
    Spool(spool_path).drain(store)
    Spool(spool_path).drain(store)                   # a second replay changes nothing
    n_batches = scalar(store, "SELECT count(DISTINCT substr(listing_id, 1, instr(listing_id, '-') - 1)) FROM listings") \
        if store.dialect == "sqlite" else \
        scalar(store, "SELECT count(DISTINCT split_part(listing_id, '-', 1)) FROM listings")
    assert n_batches >= len(acked)
    assert scalar(store, "SELECT count(*) FROM listings") == 60 * n_batches
    assert scalar(store, "SELECT count(*) FROM listing_versions") == 60 * n_batches
    assert scalar(store, "SELECT count(*) FROM feedback") == 20 * n_batches
    assert spooled <= 80 * n_batches


class TcpProxy:
    """A loopback TCP forwarder that can be stopped (the database "goes away") and restarted."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.port = target, None
        self.server, self.conns, self.lock = None, [], threading.Lock()

    def start(self) -> None:
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", self.port or 0))
        self.port = self.server.getsockname()[1]
        self.server.listen()
        threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    def stop(self) -> None:
        try:
            self.server.shutdown(socket.SHUT_RDWR)   # wakes the accept() thread (Linux)
        except OSError:
            pass
        self.server.close()
        with self.lock:
            for c in self.conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                c.close()
            self.conns.clear()

    def _accept(self, server) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            if server is not self.server or server.fileno() < 0:
                client.close()
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src, dst) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.close()
                except OSError:
                    pass


def _crawl_through_outage(spool: Spool, store: Store, go_down, come_back) -> None:
    run = spool.start_run("bazaar", "bazaar", day_at(0))
    spool.write_items(run, [listing(str(i), 0) for i in range(50)])
    assert spool.try_drain(store).pending == 0
    go_down()
    for b in range(1, 4):                            # the crawl goes on; the database is gone
        spool.write_items(run, [listing(str(b * 100 + i), 0) for i in range(50)] + [feedback(f"f{b}", 0)])
        assert spool.try_drain(store).pending > 0
    spool.finish_run(run, "complete", stats={"pages": 200})
    assert len(spool.pending()) == 4
    come_back()
    assert spool.try_drain(store).pending == 0
    assert spool.pending() == []


def test_database_outage_keeps_items_in_the_spool(store, tmp_path):
    """Stopped access: SQLite → a URL that cannot be opened; PostgreSQL → its TCP path cut mid-run."""
    spool = Spool(tmp_path / "spool.jsonl")
    if store.dialect == "sqlite":
        target = {"store": store}
        bad = Store(f"sqlite:///{tmp_path}/missing-dir/x.db")
        _crawl_through_outage(spool, _Switch(target), lambda: target.update(store=bad),
                              lambda: target.update(store=store))
    else:
        url = store.engine.url
        proxy = TcpProxy((url.host, url.port or 5432))
        proxy.start()
        via = Store(url.set(port=proxy.port).render_as_string(hide_password=False))
        _crawl_through_outage(spool, via, proxy.stop, proxy.start)
        via.dispose()
        proxy.stop()
    assert scalar(store, "SELECT count(*) FROM listing_versions") == 200
    assert scalar(store, "SELECT count(*) FROM feedback") == 3
    assert scalar(store, "SELECT status FROM crawl_runs") == "complete"


class _Switch:
    """A Store stand-in that forwards to whichever store is current (outage switch)."""

    def __init__(self, target: dict):
        self._target = target

    def __getattr__(self, name):
        return getattr(self._target["store"], name)


def test_torn_spool_tail_is_dropped(tmp_path, store):
    spool = Spool(tmp_path / "s.jsonl")
    run = spool.start_run("bazaar", "bazaar", day_at(0))
    spool.write_items(run, [listing("1", 0)])
    with open(spool.path, "ab") as fh:               # a crash in the middle of an append
        fh.write(b'{"op":"items","run":"x","items":[{"kin')
    assert len(spool.pending()) == 2
    spool.write_items(run, [listing("2", 0)])
    assert [op["op"] for op in spool.pending()] == ["start_run", "items", "items"]
    spool.drain(store)
    assert scalar(store, "SELECT count(*) FROM listings") == 2
    assert Path(spool.path).stat().st_size == 0


def test_spool_can_carry_items_of_a_run_started_in_the_database(store, tmp_path):
    run_id = store.start_run("bazaar", "bazaar", day_at(0))
    spool = Spool(tmp_path / "s.jsonl")
    spool.write_items(run_id, [listing("1", 0), vendor("A", 0)])
    spool.finish_run(run_id, "partial", "timeout", stats={"pages": 2}, warc_files=[("a.warc.gz", "ab" * 32)])
    report = spool.drain(store)
    assert report.items == 2 and report.operations == 2
    assert scalar(store, "SELECT status FROM crawl_runs WHERE run_id = :r", r=run_id) == "partial"
    assert "a.warc.gz" in scalar(store, "SELECT warc_files FROM v_runs")
