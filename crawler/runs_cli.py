"""``vigie runs``: the recent crawl runs of each site, with their monitors' verdict.

Per run: status and reason, crawl clock, wall-clock duration, pages fetched, items,
quarantined records, error log lines, completeness (pages fetched / pages wanted, the
lost ones being the run's ``missing`` URLs) and whether monitors marked it degraded.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.table import Table

from crawler.monitoring.checks import items_of

STATUS_STYLE = {"complete": "green", "partial": "yellow", "blocked": "magenta", "failed": "red",
                "running": "cyan"}


def recent_runs(engine, site: str | None = None, limit: int = 10) -> list[dict]:
    """The last ``limit`` runs of each site (or of ``site``), newest first, as plain dicts."""
    from storage.store import T
    runs, health = T["crawl_runs"], T["run_health"]
    with engine.connect() as conn:
        sites = [site] if site else conn.execute(sa.select(runs.c.site_id).distinct()
                                                 .order_by(runs.c.site_id)).scalars().all()
        out = []
        for s in sites:
            rows = conn.execute(
                sa.select(runs, health.c.degraded, health.c.failed.label("failed_monitors"))
                .outerjoin(health, health.c.run_id == runs.c.run_id).where(runs.c.site_id == s)
                .order_by(runs.c.observed_at.desc(), runs.c.run_id.desc()).limit(limit)).mappings().all()
            out += [_row(r) for r in rows]
    return out


def _row(r) -> dict:
    stats = r["stats"] or {}
    pages = int(stats.get("response_received_count", 0) or 0)
    lost = len(r["missing"] or [])
    counted = sum(r[c] or 0 for c in ("n_listings", "n_vendors", "n_feedback", "n_posts"))
    started, finished = r["started_at"], r["finished_at"]
    return {
        "run_id": r["run_id"], "site": r["site_id"], "observed_at": _iso(r["observed_at"]),
        "started_at": _iso(started), "status": r["status"], "reason": r["reason"],
        "duration_s": round((finished - started).total_seconds(), 1) if finished and started else None,
        "pages": pages, "items": items_of(stats, counted), "quarantined": r["n_quarantined"] or 0,
        "errors": int(stats.get("log_count/ERROR", 0) or 0), "lost_pages": lost,
        "completeness": round(pages / (pages + lost), 4) if pages + lost else None,
        "degraded": None if r["degraded"] is None else bool(r["degraded"]),
        "failed_monitors": list(r["failed_monitors"] or []),
    }


def _iso(value) -> str | None:
    return value.isoformat(sep=" ", timespec="seconds") if isinstance(value, datetime) else value


def runs_table(rows: list[dict]) -> Table:
    table = Table(title="Recent crawl runs")
    for col, justify in (("site", "left"), ("run", "right"), ("observed", "left"), ("status", "left"),
                         ("duration", "right"), ("pages", "right"), ("items", "right"), ("quar.", "right"),
                         ("errors", "right"), ("complete", "right"), ("monitors", "left")):
        table.add_column(col, justify=justify)
    for r in rows:
        style = STATUS_STYLE.get(r["status"], "")
        monitors = ("not checked" if r["degraded"] is None else
                    f"[red]degraded: {', '.join(r['failed_monitors'])}[/red]" if r["degraded"] else "ok")
        table.add_row(r["site"], str(r["run_id"]), r["observed_at"] or "", f"[{style}]{r['status']}[/{style}]"
                      if style else r["status"], "" if r["duration_s"] is None else f"{r['duration_s']:.0f} s",
                      str(r["pages"]), str(r["items"]), str(r["quarantined"]), str(r["errors"]),
                      "" if r["completeness"] is None else f"{r['completeness']:.0%}", monitors)
    return table


def runs_command(site: Optional[str] = typer.Option(None, "--site", help="only this site"),
                 limit: int = typer.Option(10, "--limit", min=1, help="runs per site"),
                 as_json: bool = typer.Option(False, "--json", help="JSON on stdout"),
                 db: Optional[str] = typer.Option(None, "--db", help="database URL (default VIGIE_DB_URL)")):
    """Recent runs per site: status, duration, pages, items, errors, completeness, monitors."""
    from storage import Store
    store = Store(db)
    try:
        rows = recent_runs(store.engine, site, limit)
    except sa.exc.OperationalError as exc:
        Console(stderr=True).print(f"cannot read runs from {store.url}: {exc.orig}", style="red", markup=False)
        raise typer.Exit(1)
    finally:
        store.dispose()
    if as_json:
        print(json.dumps(rows, default=str))
    elif not rows:
        Console(stderr=True).print("no runs recorded" + (f" for {site}" if site else ""))
    else:
        Console().print(runs_table(rows))
