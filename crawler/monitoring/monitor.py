"""``run_monitors``: evaluate a finished run, store the verdict, alert when degraded.

The verdict goes to ``monitor_results`` (one row per monitor) and ``run_health``
(``degraded`` flag, failed monitors, alert outcomes).  Running the monitors again for the
same run replaces its results; alerts are sent once per run (the first time it is
found degraded).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

import sqlalchemy as sa

from crawler.monitoring.alerts import send_alerts
from crawler.monitoring.checks import Check, RunFacts, evaluate, items_of, layouts_of
from crawler.monitoring.config import MonitoringConfig

COVERAGE_TABLES = {"listing": ("listing_versions", "last_seen_run_id"),
                   "vendor": ("vendor_versions", "last_seen_run_id"),
                   "feedback": ("feedback", "first_run_id"), "post": ("social_posts", "first_run_id")}
EARLIER_RUNS_READ = 50


class MonitorError(ValueError):
    """The run cannot be monitored (unknown, still running, bad configuration)."""


@dataclass
class MonitorReport:
    run_id: int
    site: str
    status: str
    degraded: bool
    checks: list[Check]
    alerts: list[list[str]] = field(default_factory=list)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def to_dict(self) -> dict:
        return {"run_id": self.run_id, "site": self.site, "status": self.status, "degraded": self.degraded,
                "checks": [asdict(c) for c in self.checks], "alerts": self.alerts}


def run_monitors(db, run_id: int, config: MonitoringConfig | None = None) -> MonitorReport:
    """``db``: a ``storage.Store`` or a database URL. ``config``: thresholds and alerts
    (default: ``MonitoringConfig()``)."""
    from storage import Store
    cfg = config or MonitoringConfig()
    store = db if isinstance(db, Store) else Store(db)
    try:
        with store.engine.connect() as conn:
            facts, observed_at = _facts(conn, int(run_id), cfg)
        checks = evaluate(facts, cfg) if cfg.enabled else []
        report = MonitorReport(facts.run_id, facts.site, facts.status, any(not c.passed for c in checks), checks)
        first_time_degraded = _store(store, report)
        if first_time_degraded:
            report.alerts = send_alerts(_alert(report, observed_at), cfg.alerts)
            _store_alerts(store, report)
        return report
    finally:
        if store is not db:
            store.dispose()


def _tables():
    from storage.store import T
    return T


def _facts(conn, run_id: int, cfg: MonitoringConfig) -> tuple[RunFacts, datetime]:
    T = _tables()
    runs = T["crawl_runs"]
    row = conn.execute(sa.select(runs).where(runs.c.run_id == run_id)).mappings().first()
    if row is None:
        raise MonitorError(f"no crawl run {run_id}")
    if row["status"] == "running":
        raise MonitorError(f"run {run_id} is still running: monitors judge finished runs")
    stats = row["stats"] or {}
    counted = sum(row[c] or 0 for c in ("n_listings", "n_vendors", "n_feedback", "n_posts"))
    earlier = conn.execute(
        sa.select(runs.c.status, runs.c.stats, runs.c.n_listings, runs.c.n_vendors, runs.c.n_feedback,
                  runs.c.n_posts)
        .where(runs.c.site_id == row["site_id"], runs.c.run_id != run_id, runs.c.status != "running",
               sa.tuple_(runs.c.observed_at, runs.c.run_id) < sa.tuple_(row["observed_at"], run_id))
        .order_by(runs.c.observed_at.desc(), runs.c.run_id.desc()).limit(EARLIER_RUNS_READ)).all()
    earlier_items = [items_of(r.stats, sum(x or 0 for x in (r.n_listings, r.n_vendors, r.n_feedback, r.n_posts)))
                     for r in earlier if r.status == "complete"]
    earlier_layouts = next((layouts_of(r.stats) for r in earlier if layouts_of(r.stats)), None)
    facts = RunFacts(run_id=run_id, site=row["site_id"], status=row["status"], reason=row["reason"], stats=stats,
                     items=items_of(stats, counted), quarantined=int(row["n_quarantined"] or 0),
                     earlier_items=earlier_items, coverage=_coverage(conn, run_id, cfg),
                     layouts=layouts_of(stats), earlier_layouts=earlier_layouts)
    return facts, row["observed_at"]


def _coverage(conn, run_id: int, cfg: MonitoringConfig) -> dict[str, dict[str, float | None]]:
    T = _tables()
    out: dict[str, dict[str, float | None]] = {}
    for kind, fields in cfg.coverage.items():
        if kind not in COVERAGE_TABLES:
            raise MonitorError(f"monitoring.coverage: unknown item kind {kind!r} "
                               f"(known: {', '.join(COVERAGE_TABLES)})")
        table_name, run_col = COVERAGE_TABLES[kind]
        table = T[table_name]
        unknown = [f for f in fields if f not in table.c]
        if unknown:
            raise MonitorError(f"monitoring.coverage.{kind}: unknown field(s) {', '.join(unknown)}")
        cols = [sa.func.count()] + [sa.func.count(table.c[f]) for f in fields]
        total, *present = conn.execute(sa.select(*cols).where(table.c[run_col] == run_id)).one()
        out[kind] = {f: (n / total if total else None) for f, n in zip(fields, present)}
    return out


def _store(store, report: MonitorReport) -> bool:
    """Replace the run's results; True when the run is degraded and was not before."""
    from storage.db import run_in_transaction
    T = _tables()
    health, results = T["run_health"], T["monitor_results"]
    now = datetime.now(timezone.utc).replace(tzinfo=None)

    def work(conn) -> bool:
        before = conn.execute(sa.select(health.c.degraded).where(health.c.run_id == report.run_id)).scalar()
        conn.execute(sa.delete(results).where(results.c.run_id == report.run_id))
        if report.checks:
            conn.execute(sa.insert(results), [
                {"run_id": report.run_id, "monitor": c.monitor, "passed": c.passed, "message": c.message,
                 "value": None if c.value is None else float(c.value),
                 "threshold": None if c.threshold is None else float(c.threshold)} for c in report.checks])
        values = {"checked_at": now, "degraded": report.degraded, "failed": [c.monitor for c in report.failed]}
        if before is None:
            conn.execute(sa.insert(health).values(run_id=report.run_id, alerts=[], **values))
        else:
            conn.execute(sa.update(health).where(health.c.run_id == report.run_id).values(**values))
        return report.degraded and not before

    return run_in_transaction(store.engine, work, lock=report.site)


def _store_alerts(store, report: MonitorReport) -> None:
    health = _tables()["run_health"]
    with store.engine.begin() as conn:
        conn.execute(sa.update(health).where(health.c.run_id == report.run_id).values(alerts=report.alerts))


def _alert(report: MonitorReport, observed_at) -> dict:
    return {"kind": "vigie.degraded_run", "run_id": report.run_id, "site": report.site, "status": report.status,
            "observed_at": str(observed_at),
            "failed": [asdict(c) for c in report.failed]}
