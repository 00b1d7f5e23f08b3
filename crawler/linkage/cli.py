"""``vigie link``: link accounts into actors; ``vigie link evaluate``: score against the mock world."""
from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Link vendor accounts across sites into actors with stable IDs.",
                  invoke_without_command=True, no_args_is_help=False)
console = Console()


@app.callback()
def link(ctx: typer.Context,
         db: str = typer.Option(None, "--db", help="database URL (default VIGIE_DB_URL or sqlite:///vigie.db)"),
         incremental: bool = typer.Option(False, "--incremental", help="only place accounts that have no actor yet"),
         threshold: float = typer.Option(0.9, help="match probability needed to link two accounts")):
    """Link all accounts (full) or only new ones (--incremental)."""
    if ctx.invoked_subcommand is not None:
        return
    from crawler.linkage.service import link_database
    from storage import Store
    store = Store(db)
    store.upgrade()
    summary = link_database(store.engine, incremental=incremental, threshold=threshold)
    t = Table(title="linkage")
    for k in ("accounts", "actors", "new", "splits", "merges", "changed_accounts", "linkage_run_id"):
        t.add_row(k, str(getattr(summary, k)))
    console.print(t)


@app.command()
def evaluate(db: str = typer.Option(None, "--db"), seed: int = typer.Option(7), actors: int = typer.Option(240),
             days: int = typer.Option(90), as_json: bool = typer.Option(False, "--json")):
    """Pairwise precision/recall/F1 of the database's actors against the mock world's truth
    (overall, and for aliases that share no PGP key), and impostors merged."""
    from crawler.linkage.evaluate import evaluate_database
    from mock_sites.world import World, WorldConfig
    from storage import Store
    world = World(WorldConfig(seed=seed, n_actors=actors, days=days))
    result = evaluate_database(Store(db).engine, world)
    if as_json:
        console.print_json(json.dumps(result))
        return
    t = Table(title="linkage vs mock-world truth")
    for col in ("subset", "precision", "recall", "f1", "true pairs", "predicted pairs"):
        t.add_column(col)
    for name in ("overall", "no_shared_pgp_key"):
        s = result[name]
        t.add_row(name, f"{s['precision']:.4f}", f"{s['recall']:.4f}", f"{s['f1']:.4f}", str(s["true_pairs"]),
                  str(s["predicted_pairs"]))
    console.print(t)
    console.print(f"impostors merged with the actor they imitate: {result['impostors_merged']}")
