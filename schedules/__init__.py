"""Unattended operation: when crawls run, and never two of one site at once.

- ``triggers``: a target's ``[target.schedule]`` (cron, time zone, jitter) → APScheduler
  3.x ``CronTrigger``; crontab lines for cron users;
- ``lease``: the per-site database lease (owner + expiry, taken atomically) shared by
  cron, the daemon and Celery workers;
- ``jobs``: ``run_site`` — take the lease, crawl in a subprocess under the target's hard
  time limit, run the monitors, release; the exit-code rules of the scheduler;
- ``due``: which targets are due now, from the last runs recorded in the database;
- ``service``: the APScheduler scheduler (persistent SQLAlchemy job store, coalescing,
  misfire grace time, one instance per site);
- ``celery_app``: the Celery executor (Redis broker, workers sharing PostgreSQL);
- ``cli``: ``vigie schedule serve | run-due | crontab``.
"""
