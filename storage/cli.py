"""``vigie db ...`` (the Typer app ``app``) and ``vigie export`` (``export_command``)."""
from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(help="The Vigie database: migrations and reader roles.", no_args_is_help=True)
console = Console()

DB_OPTION = typer.Option(None, "--db", help="Database URL (default: VIGIE_DB_URL or sqlite:///vigie.db).")


def _store(db: str | None):
    from storage import Store
    return Store(db)


@app.command("upgrade")
def upgrade(db: str = DB_OPTION) -> None:
    """Create the database or upgrade it to the latest schema (Alembic migrations)."""
    store = _store(db)
    store.upgrade()
    info = store.schema_info()
    console.print(f"[green]database at schema {info.get('schema_version')}, "
                  f"views {info.get('views_version')}[/green]: {store.engine.url.render_as_string()}")


@app.command("create-reader-role")
def create_reader_role(db: str = DB_OPTION,
                       role: str = typer.Option(..., "--role", help="Role name to create or update."),
                       password_env: str = typer.Option(None, "--password-env",
                                                        help="Environment variable holding its password "
                                                             "(without one the role cannot log in).")) -> None:
    """PostgreSQL: a role that can read every view and table and change nothing."""
    from storage.roles import create_reader_role as create
    password = None
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise typer.BadParameter(f"environment variable {password_env} is empty or unset")
    try:
        schema = create(_store(db), role, password)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2)
    console.print(f"[green]role {role} can read schema {schema}[/green]")


def export_command(fmt: str = typer.Option("parquet", "--format", help="parquet or csv."),
                   out: Path = typer.Option(..., "--out", help="Directory to write one file per view into."),
                   db: str = DB_OPTION,
                   pseudonymise_vendors: bool = typer.Option(False, "--pseudonymise-vendors",
                                                             help="Replace vendor handles by keyed hashes."),
                   key_env: str = typer.Option("VIGIE_PSEUDONYM_KEY", "--key-env",
                                               help="Environment variable holding the HMAC key.")) -> None:
    """Export the reader views (v_listing_daily, v_vendor_daily, ...) to Parquet or CSV."""
    from storage.export import FORMATS, export_views
    if fmt not in FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(FORMATS)}")
    key = None
    if pseudonymise_vendors:
        key = os.environ.get(key_env, "").encode()
        if not key:
            raise typer.BadParameter(f"--pseudonymise-vendors needs a key in ${key_env}")
    manifest = export_views(_store(db), out, fmt, pseudonymise_key=key)
    for view, entry in manifest["views"].items():
        console.print(f"{view}: {entry['rows']} rows → {out / entry['file']}")


export_app = typer.Typer()
export_app.command("export")(export_command)
