"""``vigie crawl`` (one process per site, progress, summary, exit code) and ``vigie drain``.

Exit code of ``vigie crawl``: the worst of its runs — 0 complete, 1 partial, 2 blocked,
3 failed, 4 refused (targets, authorisation, buyer key, crawl clock), 5 stored only in
the spool (database unreachable; ``vigie drain`` writes it).  See ``crawler.run``.
"""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import List, Optional

import typer

STYLE = {"complete": "green", "partial": "yellow", "blocked": "magenta", "failed": "red", "refused": "red"}


def crawl_command(
    sites: Optional[List[str]] = typer.Argument(None, help="target keys to crawl"),
    all_sites: bool = typer.Option(False, "--all", help="crawl every target of the targets file"),
    db: Optional[str] = typer.Option(None, "--db", help="database URL (default VIGIE_DB_URL or sqlite:///vigie.db)"),
    targets: Optional[Path] = typer.Option(None, "--targets", help="targets file (default VIGIE_TARGETS or targets.toml)"),
    now: Optional[str] = typer.Option(None, "--now", help="crawl clock, ISO 8601 (default: the current time)"),
    warc_dir: Path = typer.Option(Path("warc"), "--warc-dir", help="where the run's WARC files go"),
    spool_dir: Optional[Path] = typer.Option(None, "--spool-dir", help="durable spool (default VIGIE_SPOOL_DIR or ./vigie-spool)"),
    jobdir: Optional[Path] = typer.Option(None, "--jobdir", help="keep resumable crawl state under DIR/<site>"),
    jobs: int = typer.Option(2, "--jobs", "-j", min=1, help="crawl processes at once"),
    as_json: bool = typer.Option(False, "--json", help="print the results as JSON"),
):
    """Crawl authorised targets, one process per site.

    Exit code, the worst of the runs: 0 complete, 1 partial, 2 blocked, 3 failed,
    4 refused (targets, authorisation, buyer key, crawl clock; no run recorded),
    5 crawled but kept in the spool (database unreachable: run `vigie drain`).
    """
    from crawler.run import EXIT_CODES, parse_now
    from crawler.runner import crawl_sites, worst_exit_code
    from crawler.targets import TargetsError, load_targets

    if all_sites == bool(sites):
        raise typer.BadParameter("give target keys or --all (not both)")
    if all_sites:
        try:
            sites = [t.key for t in load_targets(targets).target]
        except TargetsError as exc:
            typer.echo(f"refused: {exc}", err=True)
            raise typer.Exit(EXIT_CODES["refused"])
    try:
        observed_at = parse_now(now)
    except ValueError:
        raise typer.BadParameter(f"--now {now!r} is not an ISO 8601 time") from None
    kwargs = dict(targets=targets, db_url=db, observed_at=observed_at, warc_dir=warc_dir, jobs=jobs,
                  spool_dir=spool_dir, jobdir_root=jobdir)
    if as_json:
        results = crawl_sites(sites, **kwargs)
        typer.echo(json.dumps([asdict(r) for r in results], indent=2, default=str))
    else:
        results = _with_progress(sites, kwargs, crawl_sites)
        _summary(results)
    raise typer.Exit(worst_exit_code(results))


def drain_command(
    db: Optional[str] = typer.Option(None, "--db", help="database URL"),
    spool_dir: Optional[Path] = typer.Option(None, "--spool-dir", help="spool (default VIGIE_SPOOL_DIR or ./vigie-spool)"),
):
    """Write runs left in the spool (database outage during a crawl) to the database."""
    import os

    from sqlalchemy.exc import DBAPIError

    from crawler.run import DEFAULT_SPOOL_DIR, EXIT_CODES, drain_file
    from storage import Store

    root = Path(spool_dir or os.environ.get("VIGIE_SPOOL_DIR") or DEFAULT_SPOOL_DIR)
    files = sorted(root.glob("*/*.jsonl"), key=lambda p: p.stat().st_mtime)
    store = Store(db)
    left = 0
    for path in files:
        try:
            if path == files[0]:
                store.upgrade()
            done = drain_file(path, store)
        except DBAPIError as exc:
            typer.echo(f"{path}: database unreachable ({exc.__class__.__name__}); nothing lost, try again", err=True)
            raise typer.Exit(EXIT_CODES["spooled"])
        left += not done
        typer.echo(f"{path}: {'written' if done else 'still pending'}")
    typer.echo(f"{len(files)} spool file(s), {left} still pending")
    raise typer.Exit(EXIT_CODES["spooled"] if left else 0)


def _with_progress(sites, kwargs, crawl_sites):
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("[bold]{task.fields[site]}"), TextColumn("{task.description}"),
                  TimeElapsedColumn(), transient=False) as bar:
        tasks = {s: bar.add_task("waiting", site=s, total=None) for s in dict.fromkeys(sites)}

        def update(site: str, state: dict) -> None:
            desc = f"{state.get('pages', 0)} pages, {state.get('items', 0)} items"
            if state.get("quarantined"):
                desc += f", {state['quarantined']} quarantined"
            if state.get("state") == "done":
                desc += f" — {state.get('status', 'done')}"
                bar.update(tasks[site], description=desc, total=1, completed=1)
            else:
                bar.update(tasks[site], description=desc)

        return crawl_sites(sites, progress=update, **kwargs)


def _summary(results) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="crawl runs")
    for col, justify in (("site", "left"), ("status", "left"), ("pages", "right"), ("items", "right"),
                         ("quarantined", "right"), ("seconds", "right"), ("reason", "left")):
        table.add_column(col, justify=justify, overflow="fold")
    for r in results:
        status = r.status + (" (spooled)" if r.spooled else "")
        table.add_row(r.site, f"[{STYLE.get(r.status, 'white')}]{status}[/]", str(r.pages), str(r.items),
                      str(r.quarantined), f"{r.duration:.1f}", r.reason or "")
    Console().print(table)
