"""Site leases: two processes contend for one site, exactly one wins (SQLite and
PostgreSQL); expiry and release rules."""
from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta

import pytest

from schedules.lease import acquire, holder, release, site_lease, utcnow
from storage import Store
from tests.test_storage_support import store_url  # noqa: F401

CONTENDER = """
import sys, time
from schedules.lease import acquire
from storage import Store
url, owner, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
store = Store(url)
store.engine.connect().close()
while time.time() < start:
    time.sleep(0.001)
print(acquire(store.engine, "bazaar", owner, 600))
"""


@pytest.fixture()
def db_url(store_url):
    """A fresh SQLite file or PostgreSQL schema (tests.test_storage_support), upgraded."""
    store = Store(store_url)
    store.upgrade()
    store.dispose()
    return store_url


def test_two_processes_contend_one_wins(db_url):
    start = time.time() + 3                    # both are connected and waiting by then
    procs = [subprocess.Popen([sys.executable, "-c", CONTENDER, db_url, f"proc{i}", str(start)],
                              stdout=subprocess.PIPE, text=True) for i in range(2)]
    outs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert sorted(outs) == ["False", "True"], outs
    store = Store(db_url)
    assert holder(store.engine, "bazaar")[0] == f"proc{outs.index('True')}"
    store.dispose()


def test_expiry_release_and_context(db_url):
    engine = Store(db_url).engine
    assert acquire(engine, "vault", "a", 600)
    assert acquire(engine, "vault", "a", 600)                        # the owner renews
    assert not acquire(engine, "vault", "b", 600)
    assert not release(engine, "vault", "b")                          # only the owner releases
    assert acquire(engine, "vault", "b", 600, now=utcnow() + timedelta(seconds=601))   # expired: taken over
    assert not release(engine, "vault", "a") and release(engine, "vault", "b")
    with site_lease(engine, "vault", 60) as got:
        assert got and holder(engine, "vault") is not None
        with site_lease(engine, "vault", 60) as second:
            assert not second
    assert holder(engine, "vault") is None
    engine.dispose()
