"""The scheduler daemon (``vigie schedule serve``): APScheduler 3.x with its job store in
the Vigie database.

One job per target (id = target key) with the target's cron trigger (time zone, jitter),
``coalesce=True`` (missed fire times run once), the target's ``misfire_grace_time`` and
``max_instances=1``.  Jobs of targets removed from the file are dropped from the store at
start.  The job (``schedules.jobs.scheduled_run``) takes the site's database lease, so a
cron ``run-due`` or a second daemon never crawls the same site at the same time.
"""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler

from crawler.targets import TargetsFile
from schedules.triggers import cron_trigger
from storage.models import SchedulerJob

JOB_FUNC = "schedules.jobs:scheduled_run"


def build_scheduler(tf: TargetsFile, targets_path: str, store, *, executor: str = "local",
                    warc_dir: str | None = None, spool_dir: str | None = None, workers: int = 4,
                    scheduler_cls=BlockingScheduler, **scheduler_kwargs):
    """A scheduler (not started) with one job per target. ``store``: an upgraded
    ``storage.Store`` (its engine holds the ``apscheduler_jobs`` table)."""
    keys = [t.key for t in tf.target]
    jobs = SchedulerJob.__table__
    with store.engine.begin() as conn:                       # targets removed from the file
        conn.execute(sa.delete(jobs).where(jobs.c.id.not_in(keys)) if keys else sa.delete(jobs))
    scheduler_kwargs.setdefault("executors", {"default": ThreadPoolExecutor(max(1, workers))})
    scheduler = scheduler_cls(jobstores={"default": SQLAlchemyJobStore(engine=store.engine)},
                              job_defaults={"coalesce": True, "max_instances": 1}, timezone=timezone.utc,
                              **scheduler_kwargs)
    pending = _stored_next_run_times(store.engine)
    for t in tf.target:
        kept = {"next_run_time": pending[t.key]} if pending.get(t.key) else {}
        scheduler.add_job(JOB_FUNC, trigger=cron_trigger(t.schedule, t.key), id=t.key, name=f"crawl {t.key}",
                          replace_existing=True, misfire_grace_time=t.schedule.misfire_grace_time,
                          kwargs={"key": t.key, "targets": targets_path, "db_url": store.url,
                                  "executor": executor, "warc_dir": warc_dir, "spool_dir": spool_dir}, **kept)
    return scheduler


def _stored_next_run_times(engine) -> dict[str, datetime]:
    """Next run times already in the job store: kept across restarts (re-adding a job
    would otherwise compute it from now and forget the runs missed while the daemon was
    down, which coalescing should run once)."""
    jobs = SchedulerJob.__table__
    with engine.connect() as conn:
        rows = conn.execute(sa.select(jobs.c.id, jobs.c.next_run_time)).all()
    return {key: datetime.fromtimestamp(ts, timezone.utc) for key, ts in rows if ts is not None}
