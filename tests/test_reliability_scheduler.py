"""The scheduler killed (SIGKILL) in the middle of its crawls and restarted: no run doubled,
none missed beyond the configured policy (missed fire times run once when within their
``misfire_grace_time``, are skipped beyond it), nothing left ``running``.

The daemon is ``tests.scheduler_child``: ``vigie schedule serve``'s scheduler (APScheduler's
BlockingScheduler, thread pool, job store in the database, real crawl subprocesses) on a
clock 120 times faster than the wall clock.
"""
from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, time as dtime, timedelta, timezone

import pytest
import sqlalchemy as sa
import tomli_w
import tomllib

from schedules.lease import acquire, holder, utcnow
from storage import Store
from tests.reliability_support import Recorder, child_env, record_figures, targets_text

pytestmark = pytest.mark.reliability

UTC = timezone.utc
SPEED = 120                          # fake seconds per wall-clock second
SCHEDULES = {"bazaar": {"cron": "0 * * * *", "misfire_grace_time": 3600},    # missed: run once
             "feed": {"cron": "0 * * * *", "misfire_grace_time": 120}}       # missed: skipped


def test_a_lease_held_by_a_dead_process_of_this_host_is_taken_over(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'lease.db'}")
    store.upgrade()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()                                          # gone (and reaped)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        host = socket.gethostname()
        assert acquire(store.engine, "bazaar", f"{host}:{dead.pid}:dead", 3600)
        assert acquire(store.engine, "feed", f"{host}:{alive.pid}:alive", 3600)
        assert acquire(store.engine, "vault", f"elsewhere:{dead.pid}:remote", 3600)
        assert acquire(store.engine, "bazaar", "me", 60)                 # dead holder: taken over
        assert not acquire(store.engine, "feed", "me", 60)               # live holder: busy
        assert not acquire(store.engine, "vault", "me", 60)              # another host: wait for the expiry
        assert acquire(store.engine, "vault", "me", 60, now=utcnow() + timedelta(seconds=3601))
    finally:
        alive.kill()
        alive.wait()
        store.dispose()


class Daemon:
    """One ``tests.scheduler_child`` process."""

    def __init__(self, tmp_path, targets, db: str, fake_start: datetime, name: str):
        self.state = tmp_path / f"{name}.state.json"
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.scheduler_child", str(targets), db,
                                      fake_start.isoformat(), str(SPEED), str(self.state)],
                                     cwd=tmp_path, env=child_env(), stdout=open(tmp_path / f"{name}.log", "wb"),
                                     stderr=subprocess.STDOUT)

    def fake_now(self) -> datetime:
        s = json.loads(self.state.read_text())
        return datetime.fromisoformat(s["fake_start"]) + timedelta(seconds=(time.time() - s["t0"]) * s["speed"])

    def started(self) -> bool:
        return self.state.exists()


def wait_until(check, what: str, timeout: float = 180, procs=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        for p in procs:
            assert p.poll() is None, f"{what}: the daemon exited ({p.returncode})"
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def runs(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT run_id, site_id, observed_at, started_at, finished_at, status, reason "
                                    "FROM crawl_runs ORDER BY run_id")).all()


def at(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, dtime(hour, minute), UTC)


def test_a_killed_scheduler_restarted_misses_and_doubles_no_run(world_config, world, tmp_path):
    from mock_sites.server import build_site_app, serve_apps
    from mock_sites.sites.common import Clock, SiteContext
    day = 2
    date = world_config.start_date + timedelta(days=day)
    clock = Clock(day)
    recorders = {s: Recorder(build_site_app(s, SiteContext(site=s, world=world, clock=clock, config=world_config)),
                             60) for s in SCHEDULES}
    db = f"sqlite:///{tmp_path / 'vigie.db'}"
    with serve_apps(recorders) as urls:
        data = tomllib.loads(targets_text(urls))
        data["target"] = [dict(t, schedule=SCHEDULES[t["key"]]) for t in data["target"]]
        targets = tmp_path / "targets.toml"
        targets.write_text(tomli_w.dumps(data))
        store = Store(db)
        store.upgrade()
        engine = store.engine

        # 1. the daemon starts at 05:40 (fake); at 06:00 both sites are crawled; it is
        #    killed while both crawls are under way
        first = Daemon(tmp_path, targets, db, at(date, 5, 40), "first")
        wait_until(lambda: len([r for r in runs(engine) if r.status == "running"]) == 2
                   and all(r.requests() >= 5 for r in recorders.values()), "both crawls under way",
                   procs=[first.proc])
        killed_at = first.fake_now()
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(30)
        killed_owners = {h[0] for s in SCHEDULES if (h := holder(engine, s))}
        assert len(killed_owners) == 2 and all(f":{first.proc.pid}:" in o for o in killed_owners)
        # its crawls die with it (SIGTERM from the kernel): stopped gracefully, recorded
        wait_until(lambda: runs(engine) and all(r.status != "running" for r in runs(engine)),
                   "the orphaned crawls recorded", timeout=120)

        # 2. it stays down past 07:00 and is restarted at 07:05 (fake)
        wait_until(lambda: first.fake_now() >= at(date, 7, 5), "07:05", timeout=120)
        second = Daemon(tmp_path, targets, db, first.fake_now(), "second")
        wait_until(lambda: len([r for r in runs(engine) if r.site_id == "bazaar"]) == 2, "the missed bazaar run",
                   procs=[second.proc])
        restarted_at = second.fake_now()
        second.proc.send_signal(signal.SIGTERM)              # stops after its running crawl
        assert second.proc.wait(300) == 0
        all_runs = runs(engine)

    by_site = {s: [r for r in all_runs if r.site_id == s] for s in SCHEDULES}
    observed = {s: [r.observed_at if isinstance(r.observed_at, datetime) else datetime.fromisoformat(r.observed_at)
                    for r in rs] for s, rs in by_site.items()}
    # 06:00: one run per site, never left running: interrupted by the kill and recorded partial,
    # or (a fast site) already complete when the kill came
    for s in SCHEDULES:
        r0 = by_site[s][0]
        assert at(date, 6) <= observed[s][0].replace(tzinfo=UTC) < killed_at
        assert (r0.status == "partial" and "interrupted" in (r0.reason or "")) or r0.status == "complete", \
            (s, r0.status, r0.reason)
    # 07:00, missed while down: bazaar (grace 1 h) runs once, at the restart; feed (grace 2 min) skips it
    assert len(by_site["bazaar"]) == 2 and len(by_site["feed"]) == 1
    assert at(date, 7, 5) <= observed["bazaar"][1].replace(tzinfo=UTC) <= restarted_at
    assert by_site["bazaar"][1].status == "complete"
    assert all(r.status != "running" for r in all_runs)
    for rs in by_site.values():                            # never two runs of a site at once
        spans = sorted((r.started_at, r.finished_at) for r in rs)
        assert all(a[1] is not None and a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    # the dead daemon's lease on bazaar was taken over and released; feed's is free for the next run
    assert holder(engine, "bazaar") is None
    assert holder(engine, "feed")[0] in killed_owners and acquire(engine, "feed", "next-run", 60)
    store.dispose()
    record_figures("scheduler-kill", {
        "fires_while_up": 2, "fires_missed_while_down": 2, "runs_bazaar": len(by_site["bazaar"]),
        "runs_feed": len(by_site["feed"]), "statuses": [(r.site_id, r.status) for r in all_runs],
        "runs_left_running": 0})
