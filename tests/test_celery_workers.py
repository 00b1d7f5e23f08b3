"""Scale-out: two Celery workers (subprocesses, Redis broker) crawl every mock site into a
shared PostgreSQL database; what they store equals a local run's.  The site lease holds
across workers.  Runs alone: ``pytest tests/test_celery_workers.py``."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from mock_sites.server import targets_toml
from schedules.jobs import run_site
from schedules.lease import site_lease
from storage import Store
from tests.test_crawl_support import (TEST_BUYER_KEY, crawl_clock, feedback_shown, listings_shown,
                                      posts_shown, vendors_shown)
from tests.test_storage_support import store_url  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis, pytest.mark.browser]
SITES = ("bazaar", "nocturne", "vault", "feed")
DAY = 3
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def workers(redis_url, tmp_path, monkeypatch, world_config):
    """Two workers on a queue of their own; yields the queue name."""
    queue = f"vigie-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "VIGIE_CELERY_BROKER": redis_url, "VIGIE_CELERY_QUEUE": queue,
           "VIGIE_BUYER_KEY": TEST_BUYER_KEY, "VIGIE_VAULT_USER": world_config.vault_username,
           "VIGIE_VAULT_PASSWORD": world_config.vault_password,
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    procs = [subprocess.Popen([sys.executable, "-m", "celery", "-A", "schedules.celery_app", "worker", "--pool", "solo",
                               "-Q", queue, "-n", f"w{i}-{queue}@%h", "--without-gossip", "--without-mingle",
                               "-l", "warning"], env=env, cwd=tmp_path, start_new_session=True,
                              stdout=open(tmp_path / f"worker{i}.log", "wb"), stderr=subprocess.STDOUT)
             for i in range(2)]
    for name, value in env.items():
        if name.startswith("VIGIE_"):
            monkeypatch.setenv(name, value)
    import schedules.celery_app as celery_app
    celery_app.app.conf.broker_url = celery_app.app.conf.result_backend = redis_url
    deadline = time.monotonic() + 120
    while len(celery_app.app.control.ping(destination=[f"w{i}-{queue}@{os.uname().nodename}" for i in range(2)],
                                          timeout=1.0) or []) < 2:
        assert time.monotonic() < deadline, "workers did not start: " + (tmp_path / "worker0.log").read_text()
        assert all(p.poll() is None for p in procs), (tmp_path / "worker0.log").read_text()
    try:
        yield queue
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def stored(url: str, day) -> dict:
    """What the database shows for each site on ``day`` (normalised view rows)."""
    engine = Store(url).engine
    out = {site: (listings_shown(engine, site, day), vendors_shown(engine, site, day), feedback_shown(engine, site),
                  posts_shown(engine, site)) for site in SITES}
    engine.dispose()
    return out


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)        # a PostgreSQL schema of its own
def test_two_workers_store_what_a_local_run_stores(running_world, workers, store_url, tmp_path, world_config):
    from schedules.celery_app import dispatch
    clock = crawl_clock(world_config, DAY)
    running_world.set_day(DAY)
    targets = tmp_path / "targets.toml"
    targets.write_text(targets_toml(running_world))

    store = Store(store_url)
    store.upgrade()
    with site_lease(store.engine, "feed", 600) as got:        # someone else is crawling feed
        assert got
        (busy,) = dispatch(["feed"], str(targets), store_url, clock, queue=workers, timeout=300)
    assert busy.status == "busy" and "is being crawled by" in busy.reason

    remote = dispatch(list(SITES), str(targets), store_url, clock, str(tmp_path / "warc-remote"),
                      str(tmp_path / "spool-remote"), queue=workers, timeout=600)
    assert [(r.site, r.status) for r in remote] == [(s, "complete") for s in SITES], [r.reason for r in remote]
    assert len({r.owner.rsplit(":", 1)[0] for r in remote}) == 2          # both workers crawled

    local_url = f"sqlite:///{tmp_path / 'local.db'}"
    local = [run_site(s, str(targets), local_url, clock, str(tmp_path / "warc-local"), str(tmp_path / "spool-local"))
             for s in SITES]
    assert [r.status for r in local] == ["complete"] * len(SITES)
    remote_rows, local_rows = stored(store_url, clock.date()), stored(local_url, clock.date())
    assert all(remote_rows[s][0] or remote_rows[s][3] for s in SITES)      # something was stored
    assert remote_rows == local_rows
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM site_leases").scalar() == 0
    store.dispose()
