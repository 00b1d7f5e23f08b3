"""A scheduler daemon on a fast clock, for tests/test_reliability_scheduler.py.

``python -m tests.scheduler_child TARGETS DB FAKE_START SPEED STATE_FILE`` runs what
``vigie schedule serve`` runs — ``schedules.service.build_scheduler`` with APScheduler's
BlockingScheduler, its thread pool and its job store in the database, real crawl
subprocesses — except that APScheduler's clock (and the crawl clock) starts at FAKE_START
and runs SPEED times faster than the wall clock.  STATE_FILE receives the wall-clock time
the fake clock started, so the test can tell the fake time.  SIGTERM stops it as
``vigie schedule serve`` stops (running crawls are waited for).
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time
from datetime import datetime, timedelta


def main(targets: str, db: str, fake_start: str, speed: str, state_file: str) -> None:
    start, rate, t0 = datetime.fromisoformat(fake_start), float(speed), time.time()

    def fake_now() -> datetime:
        return start + timedelta(seconds=(time.time() - t0) * rate)

    class FakeDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            now = fake_now()
            return now.astimezone(tz) if tz else now.replace(tzinfo=None)

    import apscheduler.executors.base as executors_base
    import apscheduler.schedulers.base as schedulers_base
    from apscheduler.schedulers.blocking import BlockingScheduler

    from crawler.targets import load_targets
    from schedules import jobs
    from schedules.service import build_scheduler
    from storage import Store

    schedulers_base.datetime = FakeDatetime
    executors_base.datetime = FakeDatetime
    jobs.crawl_clock = fake_now

    class FastScheduler(BlockingScheduler):
        def _process_jobs(self):
            wait = super()._process_jobs()           # seconds of fake time until the next job
            return None if wait is None else wait / rate

    store = Store(db)
    store.upgrade()
    scheduler = build_scheduler(load_targets(targets), targets, store, scheduler_cls=FastScheduler, workers=2)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    with open(state_file, "w") as fh:
        json.dump({"t0": t0, "fake_start": start.isoformat(), "speed": rate, "pid": os.getpid()}, fh)
    scheduler.start()


if __name__ == "__main__":
    main(*sys.argv[1:6])
