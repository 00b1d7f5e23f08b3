"""The scheduler over a simulated week of the mock world, with real crawls.

APScheduler's clock is replaced by a fast one (jobs run in the calling thread); the
daemon is stopped for two and a half days mid-week and restarted from its persistent
job store.  Checked: the runs that happened (times, jitter windows), missed fire times
coalesced into one run (or skipped past their misfire grace time), no two runs of a site
overlapping, and the layout-change day of bazaar giving the one ``degraded`` run, with
its alert at the webhook.
"""
from __future__ import annotations

import json

import tomllib
from datetime import datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa
import tomli_w
from apscheduler.executors.debug import DebugExecutor
from apscheduler.schedulers.base import BaseScheduler

from crawler.targets import load_targets
from schedules import jobs
from schedules.service import build_scheduler
from storage import Store
from tests.test_crawl_support import TEST_BUYER_KEY

UTC = timezone.utc
SCHEDULES = {"bazaar": {"cron": "0 6 * * *", "misfire_grace_time": 2 * 86400},
             "feed": {"cron": "0 18 * * *", "jitter": 900, "misfire_grace_time": 3600}}


class FastClock:
    def __init__(self, now: datetime):
        self.now = now


class ManualScheduler(BaseScheduler):
    """A scheduler the test steps by hand (``_process_jobs`` at each wake-up time)."""

    def wakeup(self):
        pass

    def shutdown(self, wait=True):
        super().shutdown(wait)

    def _create_default_executor(self):
        return DebugExecutor()


def patch_clock(monkeypatch, clock: FastClock) -> None:
    class FakeDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return clock.now.astimezone(tz) if tz else clock.now.replace(tzinfo=None)

    import apscheduler.executors.base as executors_base
    import apscheduler.schedulers.base as schedulers_base
    monkeypatch.setattr(schedulers_base, "datetime", FakeDatetime)
    monkeypatch.setattr(executors_base, "datetime", FakeDatetime)


def run_until(scheduler, clock: FastClock, until: datetime) -> None:
    while clock.now < until:
        wait = scheduler._process_jobs()
        step = timedelta(seconds=max(1.0, wait)) if wait is not None else until - clock.now
        clock.now = min(until, clock.now + step)


def at(start, day: int, hour: int) -> datetime:
    return datetime.combine(start + timedelta(days=day), time(hour), UTC)


@pytest.fixture()
def week_targets(running_world, tmp_path, httpserver):
    data = tomllib.loads(__import__("mock_sites.server", fromlist=["targets_toml"]).targets_toml(running_world))
    data["target"] = [dict(t, schedule=SCHEDULES[t["key"]]) for t in data["target"] if t["key"] in SCHEDULES]
    data["monitoring"] = {"alerts": {"webhook": httpserver.url_for("/alerts")}}
    path = tmp_path / "targets.toml"
    path.write_text(tomli_w.dumps(data))
    httpserver.expect_request("/alerts", method="POST").respond_with_data("ok")
    return path


def test_a_simulated_week(running_world, week_targets, tmp_path, monkeypatch, httpserver):
    start_date = running_world.world.config.start_date
    clock = FastClock(at(start_date, 4, 0))
    patch_clock(monkeypatch, clock)
    monkeypatch.setenv("VIGIE_BUYER_KEY", TEST_BUYER_KEY)
    monkeypatch.chdir(tmp_path)

    def crawl_clock():
        running_world.set_day((clock.now.date() - start_date).days)
        return clock.now
    monkeypatch.setattr(jobs, "crawl_clock", crawl_clock)

    store = Store(f"sqlite:///{tmp_path / 'week.db'}")
    store.upgrade()
    tf = load_targets(week_targets)
    first = build_scheduler(tf, str(week_targets), store, scheduler_cls=ManualScheduler,
                            executors={"default": DebugExecutor()})
    first.start()
    run_until(first, clock, at(start_date, 5, 7))
    first.shutdown(wait=True)                             # the daemon is down ...
    clock.now = at(start_date, 7, 20)                     # ... for two and a half days
    second = build_scheduler(tf, str(week_targets), store, scheduler_cls=ManualScheduler,
                             executors={"default": DebugExecutor()})
    second.start()
    run_until(second, clock, at(start_date, 11, 0))
    second.shutdown(wait=True)

    with store.engine.connect() as conn:
        runs = conn.execute(sa.text(
            "SELECT r.run_id, r.site_id, r.observed_at, r.started_at, r.finished_at, r.status, h.degraded, h.failed "
            "FROM crawl_runs r LEFT JOIN run_health h ON h.run_id = r.run_id ORDER BY r.run_id")).all()
        leases = conn.execute(sa.text("SELECT count(*) FROM site_leases")).scalar()
    store.dispose()
    observed = {site: [datetime.fromisoformat(str(r.observed_at)).replace(tzinfo=UTC) for r in runs
                       if r.site_id == site] for site in SCHEDULES}
    # bazaar: days 4 and 5, one run for the two fire times missed while down (within its
    # grace), then days 8-10.  feed: day 4, its missed runs skipped (past its 1 h grace), days 8-10.
    assert observed["bazaar"] == [at(start_date, 4, 6), at(start_date, 5, 6), at(start_date, 7, 20),
                                  at(start_date, 8, 6), at(start_date, 9, 6), at(start_date, 10, 6)]
    assert [o.date() for o in observed["feed"]] == [(start_date + timedelta(days=d)) for d in (4, 8, 9, 10)]
    for o in observed["feed"]:
        assert at(o.date(), 0, 18) <= o <= at(o.date(), 0, 18) + timedelta(seconds=900)     # jitter window
    for site in SCHEDULES:                                 # no two runs of a site at once
        spans = sorted((r.started_at, r.finished_at) for r in runs if r.site_id == site)
        assert all(a[1] is not None and a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    assert leases == 0
    assert all(r.status == "complete" for r in runs), [(r.site_id, r.status) for r in runs]

    degraded = [(r.site_id, str(r.observed_at)[:10], json.loads(r.failed) if isinstance(r.failed, str) else r.failed)
                for r in runs if r.degraded]
    assert degraded == [("bazaar", str(start_date + timedelta(days=8)), ["layout"])]
    (request, _), = httpserver.log
    alert = request.get_json()
    assert alert["site"] == "bazaar" and [f["monitor"] for f in alert["failed"]] == ["layout"]
    assert "v2" in alert["failed"][0]["message"]
