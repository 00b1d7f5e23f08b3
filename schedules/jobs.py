"""One scheduled crawl of one site: lease → crawl subprocess → monitors → release.

``run_site`` is what every executor runs (the daemon's jobs, ``run-due``, Celery tasks).
The crawl itself is ``crawler.runner.crawl_sites`` for one site: its own process, killed
when it outlives the target's ``schedule.time_limit`` (plus a grace), its run then
recorded ``failed`` with the reason.

Exit codes of ``vigie schedule run-due`` (the worst of its sites, in this order):
4 refused, 3 failed, 2 blocked, 5 spooled (database unreachable), 1 partial,
6 degraded (the run finished but a monitor failed), 7 busy (another process holds the
site's lease); 0 when every run was complete and healthy, or nothing was due.
"""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime

logger = logging.getLogger("vigie.schedules")

EXIT_DEGRADED = 6
EXIT_BUSY = 7
SEVERITY = (4, 3, 2, 5, 1, EXIT_DEGRADED, EXIT_BUSY)     # worst first
LEASE_MARGIN_SECONDS = 60


@dataclass
class SiteRun:
    """What happened to one site: a crawl (status, run), or ``busy`` / ``refused``."""
    site: str
    status: str                       # complete|partial|blocked|failed|refused|busy
    exit_code: int
    reason: str | None = None
    run_id: int | None = None
    degraded: bool = False
    failed_monitors: list[str] = field(default_factory=list)
    duration: float = 0.0
    owner: str | None = None          # who crawled it (the lease owner: host:pid:random)

    @property
    def code(self) -> int:
        """The site's exit code for ``run-due`` (a healthy complete run is 0)."""
        if self.exit_code == 0 and self.degraded:
            return EXIT_DEGRADED
        return self.exit_code

    def to_dict(self) -> dict:
        return asdict(self)


def overall_exit_code(runs: list[SiteRun]) -> int:
    codes = {r.code for r in runs}
    return next((c for c in SEVERITY if c in codes), 0)


def crawl_clock() -> datetime | None:
    """The crawl clock of scheduled runs: None means the wall clock.  Simulations (tests
    driving the scheduler over a simulated week) replace this function."""
    return None


def run_site(key: str, targets: str, db_url: str | None = None, now: datetime | None = None,
             warc_dir: str | None = None, spool_dir: str | None = None, env: dict | None = None) -> SiteRun:
    """Crawl ``key`` once if no other process is crawling it (see the module docstring)."""
    from crawler.monitoring.monitor import MonitorError, run_monitors
    from crawler.runner import KILL_GRACE_SECONDS, crawl_sites
    from crawler.targets import TargetsError, load_targets
    from schedules.lease import holder, new_owner, site_lease
    from storage import Store

    try:
        tf = load_targets(targets)
        target = tf.get(key)
    except TargetsError as exc:
        return SiteRun(key, "refused", 4, f"refused: {exc}")
    store = Store(db_url)
    try:
        store.upgrade()
        ttl = target.schedule.time_limit + KILL_GRACE_SECONDS + LEASE_MARGIN_SECONDS
        owner = new_owner()
        with site_lease(store.engine, key, ttl, owner) as got:
            if not got:
                who = holder(store.engine, key)
                reason = f"busy: {key} is being crawled by {who[0]} (lease until {who[1]:%Y-%m-%d %H:%M:%S} UTC)" \
                    if who else f"busy: {key} is being crawled by another process"
                logger.info(reason)
                return SiteRun(key, "busy", EXIT_BUSY, reason)
            result = crawl_sites([key], targets, store.url, now, warc_dir, jobs=1, spool_dir=spool_dir,
                                 env=env)[0]
            out = SiteRun(key, result.status, result.exit_code, result.reason, result.run_id,
                          duration=result.duration, owner=owner)
            if result.run_id is not None and not result.spooled:
                try:
                    report = run_monitors(store, result.run_id, tf.monitoring)
                    out.degraded, out.failed_monitors = report.degraded, [c.monitor for c in report.failed]
                except MonitorError as exc:
                    logger.error("monitors of run %s: %s", result.run_id, exc)
            return out
    finally:
        store.dispose()


def scheduled_run(key: str, targets: str, db_url: str | None, executor: str = "local",
                  warc_dir: str | None = None, spool_dir: str | None = None) -> dict:
    """The APScheduler job (referenced by name so that the persistent job store can keep it)."""
    now = crawl_clock()
    if executor == "celery":
        from schedules.celery_app import dispatch
        run = dispatch([key], targets, db_url, now, warc_dir, spool_dir)[0]
    else:
        run = run_site(key, targets, db_url, now, warc_dir, spool_dir)
    level = logging.INFO if run.code == 0 else logging.WARNING
    logger.log(level, "%s: %s%s", key, run.status, f" ({run.reason})" if run.reason else "")
    return run.to_dict()

