"""The ``vigie`` command line: wires the commands each part defines in its own module."""
from __future__ import annotations

import importlib

import typer

app = typer.Typer(name="vigie", help="Vigie: authorised monitoring crawls of online illicit markets.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False)

# (module, attribute, sub-command name or None to merge its commands at the top level)
PARTS = [
    ("mock_sites.cli", "app", "mock"),
    ("crawler.linkage.cli", "app", "link"),
    ("storage.cli", "app", "db"),
    ("storage.cli", "export_app", None),
    ("schedules.cli", "app", "schedule"),
    ("crawler.warc_cli", "app", "warc"),
]

# (module, function, command name): single commands at the top level
COMMANDS = [
    ("crawler.indicators.cli", "indicators_command", "indicators"),
    ("crawler.indicators.cli", "report_command", "report"),
    ("crawler.crawl_cli", "crawl_command", "crawl"), ("crawler.crawl_cli", "drain_command", "drain"),
    ("crawler.demo_cli", "demo_command", "demo"),
    ("crawler.runs_cli", "runs_command", "runs"),
]

for module_name, attr, name in PARTS:
    sub = getattr(importlib.import_module(module_name), attr)
    if name:
        app.add_typer(sub, name=name)
    else:
        for cmd in sub.registered_commands:
            app.registered_commands.append(cmd)

for module_name, attr, name in COMMANDS:
    app.command(name=name)(getattr(importlib.import_module(module_name), attr))


if __name__ == "__main__":
    app()
