"""``vigie demo``: crawl the bundled mock world over a simulated period, link, report."""
from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

console = Console()


def demo_command(out: Path = typer.Option(Path("out/demo"), "--out", help="Directory for the database, WARC "
                                          "files and the report (wiped first)."),
                 days: int = typer.Option(60, "--days", min=1, help="Crawl the first N simulated days "
                                          "of the world's period (90 days)."),
                 seed: int = typer.Option(None, "--seed", help="World seed (default 7)."),
                 actors: int = typer.Option(None, "--actors", help="Number of actors (default 240)."),
                 jobs: int = typer.Option(4, "--jobs", min=1, help="Sites crawled in parallel.")) -> None:
    """Serve the mock world, crawl every site each simulated day, link vendors, write the report."""
    import logging

    from crawler.demo import demo_config, run_demo
    logging.getLogger("splink").setLevel(logging.ERROR)    # training chatter on small periods

    config = demo_config(seed=seed, actors=actors)
    n_days = min(days or config.days, config.days)
    console.print(f"[bold]Vigie demo[/bold]: mock world seed {config.seed}, {config.n_actors} actors, "
                  f"{n_days} of {config.days} simulated days from {config.start_date}; output in {out}/")
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[last]}"), console=console) as progress:
        task = progress.add_task("crawling simulated days", total=n_days, last="")

        def on_day(day: int, results) -> None:
            last = "  ".join(f"{r.site}:{r.status}" for r in results)
            progress.update(task, advance=1, last=f"day {day}: {last}")

        result = run_demo(out, config, crawl_days=n_days, jobs=jobs, progress=on_day)

    table = Table(title="demo summary")
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("crawl runs", ", ".join(f"{n} {status}" for status, n in sorted(result.runs.items())))
    table.add_row("items stored", f"{result.items:,}")
    table.add_row("actors after linkage", f"{result.actors:,}")
    overall = result.linkage.get("overall", {})
    if overall:
        table.add_row("linkage vs truth (P / R / F1)",
                      f"{overall['precision']:.3f} / {overall['recall']:.3f} / {overall['f1']:.3f}")
    for phase, seconds in result.seconds.items():
        table.add_row(f"time: {phase}", f"{seconds:,.1f} s")
    table.add_row("database", result.database)
    table.add_row("report", str(result.report))
    console.print(table)
    console.print(f"Open the report: [bold]{result.report.resolve().as_uri()}[/bold]")
