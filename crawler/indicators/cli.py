"""``vigie indicators`` and ``vigie report``."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()


def indicators_command(
        db: str = typer.Option(None, "--db", help="database URL (default VIGIE_DB_URL or sqlite:///vigie.db)"),
        full: bool = typer.Option(False, "--full", help="rewrite every day (default: from the last computed day on)"),
        since: str = typer.Option(None, "--since", help="rewrite days from this ISO date on"),
        wholesale_threshold: float = typer.Option(200.0, help="orders at or above this EUR value are wholesale")):
    """(Re)compute the longitudinal indicators into the ind_* tables (docs/indicators.md)."""
    from crawler.indicators import IndicatorConfig
    from crawler.indicators.store import compute_and_store, last_computed_day
    from storage import Store
    try:
        start = date.fromisoformat(since) if since else None
    except ValueError:
        raise typer.BadParameter(f"{since!r} is not an ISO date (YYYY-MM-DD)", param_hint="--since") from None
    store = Store(db)
    store.upgrade()
    if start is None and not full:
        start = last_computed_day(store.engine)     # resume: the last computed day is rewritten
    run = compute_and_store(store.engine, IndicatorConfig(wholesale_threshold_eur=wholesale_threshold), since=start)
    t = Table(title=f"indicators ({'all days' if start is None else f'days from {start}'})")
    t.add_column("table")
    t.add_column("rows written", justify="right")
    for name, n in run.rows_written.items():
        t.add_row(name, str(n))
    console.print(t)


def report_command(out: Path = typer.Option(Path("report"), "--out", help="directory for index.html"),
                   db: str = typer.Option(None, "--db"),
                   title: str = typer.Option("market monitoring report", help="report title")):
    """Write the self-contained HTML report (charts and tables) from the stored indicators."""
    from crawler.indicators.store import load_tables
    from crawler.report import build_report
    from storage import Store
    store = Store(db)
    tables = load_tables(store.engine)
    if tables["ind_site_daily"].empty:
        console.print("[red]no indicators in the database: run `vigie indicators` first[/red]")
        raise typer.Exit(1)
    path = build_report(tables, out, meta={"title": title, "database": store.engine.url.render_as_string(hide_password=True)})
    console.print(f"report written: [bold]{path}[/bold]")
