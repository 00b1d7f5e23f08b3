"""``vigie warc verify``: check the WARC archive against the database."""
from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.markup import escape

app = typer.Typer(help="The raw-page evidence (WARC files) of every crawl run.", no_args_is_help=True)
console = Console(highlight=False)


@app.command("verify")
def verify_command(db: str = typer.Option(None, "--db", help="Database URL (default: VIGIE_DB_URL or "
                                                             "sqlite:///vigie.db)."),
                   as_json: bool = typer.Option(False, "--json", help="Print the report as JSON.")) -> None:
    """Every run's WARC files exist with their recorded SHA-256, and every stored observation's
    WARC record exists with the payload SHA-256 the database holds. Exit 0 when all agree, 1 otherwise."""
    from crawler.warc import verify
    from storage import Store
    store = Store(db)
    report = verify(store.engine)
    store.dispose()
    if as_json:
        print(json.dumps({"ok": report.ok, "files": report.files, "records": report.records,
                          "observations": report.observations, "problems": report.problems}))
    else:
        for line in report.problems:
            console.print(f"[red]✗[/red] {escape(line)}", soft_wrap=True)
        colour = "green" if report.ok else "red"
        console.print(f"[{colour}]{'OK' if report.ok else 'MISMATCH'}[/{colour}]: {report.observations} "
                      f"observations checked against {report.records} records in {report.files} WARC file(s); "
                      f"{len(report.problems)} problem(s)")
    raise typer.Exit(0 if report.ok else 1)
