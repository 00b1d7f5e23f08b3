"""The Celery executor: crawl runs dispatched to workers on other machines.

Workers share the PostgreSQL database (``--db postgresql+psycopg://...``) and see the
targets file at the same path; the broker is Redis::

    VIGIE_CELERY_BROKER=redis://queue-host:6379/0 celery -A schedules.celery_app worker \\
        --concurrency 2 -Q vigie

A task runs ``schedules.jobs.run_site``: the same site lease as the local executor, so a
site is never crawled twice at once whoever dispatched it.  Tasks are acknowledged after
they ran (``acks_late``) and the broker's visibility timeout exceeds any time limit, so a
worker lost mid-run gets its task redelivered; the lease expiry then decides.
"""
from __future__ import annotations

import os
from datetime import datetime

from celery import Celery

from schedules.jobs import SiteRun, run_site

BROKER = os.environ.get("VIGIE_CELERY_BROKER", "redis://127.0.0.1:6379/0")
QUEUE = os.environ.get("VIGIE_CELERY_QUEUE", "vigie")

app = Celery("vigie", broker=BROKER, backend=os.environ.get("VIGIE_CELERY_BACKEND", BROKER))
app.conf.update(
    task_serializer="json", result_serializer="json", accept_content=["json"],
    task_acks_late=True, worker_prefetch_multiplier=1, task_default_queue=QUEUE,
    broker_connection_retry_on_startup=True, result_expires=7 * 86400,
    broker_transport_options={"visibility_timeout": 24 * 3600},
    result_backend_transport_options={"visibility_timeout": 24 * 3600},
)


@app.task(name="vigie.crawl_site")
def crawl_site(key: str, targets: str, db_url: str, now: str | None = None, warc_dir: str | None = None,
               spool_dir: str | None = None) -> dict:
    """One site's crawl on a worker (JSON in, JSON out)."""
    return run_site(key, targets, db_url, datetime.fromisoformat(now) if now else None, warc_dir,
                    spool_dir).to_dict()


def dispatch(keys: list[str], targets: str, db_url: str | None, now: datetime | None = None,
             warc_dir: str | None = None, spool_dir: str | None = None, timeout: float | None = None,
             queue: str | None = None) -> list[SiteRun]:
    """Send one task per site, wait for all; a task that fails or times out is a ``failed``
    site with the reason (its run, if it started one, is finished by the worker)."""
    if not db_url or db_url.startswith("sqlite"):
        raise ValueError("the Celery executor needs a database shared by the workers (PostgreSQL URL), "
                         f"not {db_url or 'the default SQLite file'}")
    sent = [(key, crawl_site.apply_async(
        kwargs={"key": key, "targets": os.path.abspath(targets), "db_url": db_url,
                "now": now.isoformat() if now else None, "warc_dir": warc_dir, "spool_dir": spool_dir},
        queue=queue or QUEUE)) for key in keys]
    out = []
    for key, result in sent:
        try:
            out.append(SiteRun(**result.get(timeout=timeout)))
        except Exception as exc:  # noqa: BLE001 - a lost worker or broker must not hide the other sites
            out.append(SiteRun(key, "failed", 3, f"failed: Celery task {result.id}: {exc.__class__.__name__}: {exc}"))
    return out
