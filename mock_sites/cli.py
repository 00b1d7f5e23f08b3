"""``vigie mock``: write the mock world's ground truth, or serve the whole world."""
from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from mock_sites.world.config import WorldConfig

app = typer.Typer(help="The bundled mock market world: ground truth and servers.", no_args_is_help=True)
console = Console()

PORT_OFFSETS = {"bazaar": 0, "nocturne": 1, "vault": 2, "feed": 3, "admin": 9}


def _config(seed: int | None, days: int | None, actors: int | None) -> WorldConfig:
    config = WorldConfig()
    changes = {k: v for k, v in (("seed", seed), ("days", days), ("n_actors", actors)) if v is not None}
    return config.with_(**changes) if changes else config


@app.command()
def truth(day: int = typer.Option(..., "--day", help="Simulated day (0 = start date)."),
          out: Path = typer.Option(Path("truth.json"), "--out", help="Where to write the JSON."),
          seed: int = typer.Option(None, "--seed"), days: int = typer.Option(None, "--days"),
          actors: int = typer.Option(None, "--actors", help="Number of actors.")) -> None:
    """Write the ground truth of one day (format vigie-mock-truth/1, see docs/mock-world.md)."""
    from mock_sites.world import World
    from mock_sites.world.truth import truth_json

    config = _config(seed, days, actors)
    if not 0 <= day < config.days:
        raise typer.BadParameter(f"--day must be in 0..{config.days - 1}")
    out.write_text(truth_json(World(config), day), encoding="utf-8")
    console.print(f"[green]wrote[/] {out} (seed {config.seed}, day {day})")


@app.command()
def serve(day: int = typer.Option(0, "--day", help="Served day at start; advance with POST /day on the admin URL."),
          seed: int = typer.Option(None, "--seed"), days: int = typer.Option(None, "--days"),
          actors: int = typer.Option(None, "--actors"),
          port_base: int = typer.Option(None, "--port-base",
                                        help="bazaar on P, nocturne P+1, vault P+2, feed P+3, admin P+9 (default: ephemeral)."),
          targets_out: Path = typer.Option(None, "--targets-out", help="Write a targets file for the served URLs.")) -> None:
    """Serve every mock site on loopback until Ctrl-C."""
    from mock_sites.server import serve_world, targets_toml

    config = _config(seed, days, actors)
    ports = {k: port_base + v for k, v in PORT_OFFSETS.items()} if port_base else None
    with serve_world(config, day=day, ports=ports) as running:
        table = Table(title=f"Mock world (seed {config.seed}, day {day} of {config.days})")
        table.add_column("site")
        table.add_column("URL")
        for site, url in running.urls.items():
            table.add_row(site, url)
        table.add_row("admin", running.admin_url + "  (POST /day {\"day\": N})")
        console.print(table)
        if targets_out:
            targets_out.write_text(targets_toml(running), encoding="utf-8")
            console.print(f"targets file: {targets_out}")
        console.print(f"vault credentials: {config.vault_username} / {config.vault_password}")
        console.print("Ctrl-C to stop.")
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            console.print("stopped")
