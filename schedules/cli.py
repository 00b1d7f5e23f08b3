"""``vigie schedule``: the scheduler daemon, cron's ``run-due`` and crontab lines."""
from __future__ import annotations

import json
import logging
import random
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

app = typer.Typer(help="Run crawls on their schedules (daemon, cron, Celery workers).", no_args_is_help=True)
err = Console(stderr=True)

TARGETS = typer.Option(None, "--targets", help="targets file (default VIGIE_TARGETS or targets.toml)")
DB = typer.Option(None, "--db", help="database URL (default VIGIE_DB_URL or sqlite:///vigie.db)")


def fail(message: str, code: int = 4):
    """Print an error (never read as Rich markup) and exit with ``code`` (4: refused)."""
    err.print(message, style="red", markup=False, highlight=False)
    raise typer.Exit(code)


class Executor(str, Enum):
    local = "local"
    celery = "celery"


def _targets_path(targets: Optional[Path]) -> str:
    import os
    return str(Path(targets or os.environ.get("VIGIE_TARGETS") or "targets.toml").resolve())


def _load(targets: Optional[Path]):
    from crawler.targets import TargetsError, load_targets
    try:
        return load_targets(_targets_path(targets))
    except TargetsError as exc:
        fail(str(exc))


@app.command()
def serve(targets: Optional[Path] = TARGETS, db: Optional[str] = DB,
          executor: Executor = typer.Option(Executor.local, help="local subprocesses or Celery workers"),
          workers: int = typer.Option(4, min=1, help="sites crawled at once (local executor)"),
          warc_dir: Optional[Path] = typer.Option(None, "--warc-dir"),
          spool_dir: Optional[Path] = typer.Option(None, "--spool-dir")):
    """Run every target on its cron schedule until interrupted (Ctrl-C / SIGTERM)."""
    from schedules.service import build_scheduler
    from storage import Store
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    tf = _load(targets)
    store = Store(db)
    store.upgrade()
    scheduler = build_scheduler(tf, _targets_path(targets), store, executor=executor.value,
                                warc_dir=str(warc_dir) if warc_dir else None,
                                spool_dir=str(spool_dir) if spool_dir else None, workers=workers)
    for job in scheduler.get_jobs():
        err.print(f"{job.id}: {job.trigger}", markup=False, highlight=False)

    def stop(signum, _frame):
        err.print(f"signal {signum}: stopping (waiting for running crawls; their leases are released)")
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.start()        # returns after stop(); Python joins the running jobs' threads before exiting


@app.command("run-due")
def run_due(targets: Optional[Path] = TARGETS, db: Optional[str] = DB,
            site: list[str] = typer.Option([], "--site", help="only these targets (repeatable)"),
            now: Optional[str] = typer.Option(None, "--now", help="crawl clock, ISO 8601 (default: now)"),
            executor: Executor = typer.Option(Executor.local),
            jobs: int = typer.Option(2, min=1, help="sites crawled at once (local executor)"),
            jitter: int = typer.Option(0, min=0, help="sleep a random 0..N seconds first (cron has no jitter)"),
            warc_dir: Optional[Path] = typer.Option(None, "--warc-dir"),
            spool_dir: Optional[Path] = typer.Option(None, "--spool-dir"),
            as_json: bool = typer.Option(False, "--json", help="one JSON object on stdout")):
    """Crawl the targets that are due now (last run before the schedule's latest fire time),
    then exit: 0 all healthy or nothing due, else the worst of 4 refused, 3 failed,
    2 blocked, 5 spooled, 1 partial, 6 degraded, 7 busy."""
    from crawler.targets import TargetsError
    from schedules.due import due_targets
    from schedules.jobs import overall_exit_code, run_site
    from storage import Store
    tf = _load(targets)
    unknown = sorted(set(site) - {t.key for t in tf.target})
    if unknown:
        fail(f"unknown target(s): {', '.join(unknown)}")
    clock = _parse_now(now)
    store = Store(db)
    store.upgrade()
    try:
        due = due_targets([t for t in tf.target if not site or t.key in site], store.engine,
                          clock or datetime.now(timezone.utc))
    except TargetsError as exc:
        fail(str(exc))
    finally:
        store.dispose()
    keys = [d.target.key for d in due]
    if keys and jitter:
        time.sleep(random.uniform(0, jitter))
    path, wd, sd = _targets_path(targets), warc_dir and str(warc_dir), spool_dir and str(spool_dir)
    if not keys:
        runs = []
    elif executor is Executor.celery:
        from schedules.celery_app import dispatch
        try:
            runs = dispatch(keys, path, store.url, clock, wd, sd)
        except ValueError as exc:
            fail(str(exc))
    else:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            runs = list(pool.map(lambda k: run_site(k, path, store.url, clock, wd, sd), keys))
    code = overall_exit_code(runs)
    if as_json:
        print(json.dumps({"due": keys, "runs": [r.to_dict() for r in runs], "exit_code": code}, default=str))
    else:
        if not keys:
            err.print("nothing due")
        for r in runs:
            extra = f" degraded: {', '.join(r.failed_monitors)}" if r.degraded else ""
            err.print(f"{r.site}: {r.status}{extra}" + (f" ({r.reason})" if r.reason else ""), markup=False)
    raise typer.Exit(code)


@app.command()
def crontab(targets: Optional[Path] = TARGETS, db: Optional[str] = DB,
            vigie: str = typer.Option(sys.argv[0] if sys.argv[0].endswith("vigie") else "vigie",
                                      help="path of the vigie command in cron's environment"),
            log_dir: Optional[Path] = typer.Option(None, "--log-dir", help="append each target's output here")):
    """Print crontab lines for every target (each runs `vigie schedule run-due --site KEY`)."""
    from crawler.targets import TargetsError
    from schedules.triggers import crontab_lines
    tf = _load(targets)
    try:
        lines = crontab_lines(tf.target, _targets_path(targets), db, vigie, str(log_dir) if log_dir else None)
    except TargetsError as exc:
        fail(str(exc))
    print("\n".join(lines))


def _parse_now(value: Optional[str]) -> Optional[datetime]:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--now {value!r} is not an ISO 8601 date-time")
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
