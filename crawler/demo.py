"""``vigie demo``: the whole job on the embedded default, end to end.

Serves the bundled mock world on loopback, crawls every site once per simulated day
(each run in its own process, the crawl clock set to noon of that day), links vendor
accounts into actors, computes the indicators and writes the HTML report — into a fresh
SQLite database under ``--out``.  The mock world's login credentials and a demo buyer-hash
key are set for the crawl processes only; nothing leaves 127.0.0.1.
"""
from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, time as dtime, timedelta, timezone
from pathlib import Path

from mock_sites.world.config import WorldConfig

DEMO_BUYER_KEY = "vigie-demo-buyer-key (not secret: demo only)"
# the demo crawls 4 sites a day for the whole period: let the login site allow it
DEMO_RATE_LIMIT = 400.0


@dataclass
class DemoResult:
    database: str
    report: Path
    days: int
    runs: dict[str, int] = field(default_factory=dict)          # status -> count
    items: int = 0
    actors: int = 0
    linkage: dict = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)     # phase -> duration


def demo_config(seed: int | None = None, actors: int | None = None, days: int | None = None) -> WorldConfig:
    config = WorldConfig().with_(rate_limit_per_second=DEMO_RATE_LIMIT)
    changes = {k: v for k, v in (("seed", seed), ("n_actors", actors), ("days", days)) if v is not None}
    return config.with_(**changes) if changes else config


def crawl_clock(config: WorldConfig, day: int) -> datetime:
    """Noon UTC of simulated day ``day``: the world's "now" for that day."""
    return datetime.combine(config.start_date + timedelta(days=day), dtime(12), timezone.utc)


def run_demo(out: Path, config: WorldConfig, crawl_days: int | None = None, jobs: int = 4,
             progress=None) -> DemoResult:
    """Run the demo into ``out`` (wiped first); ``progress(day, results)`` is called after each day."""
    from crawler.indicators import IndicatorConfig
    from crawler.indicators.store import compute_and_store, load_tables
    from crawler.linkage.service import link_database
    from crawler.report import build_report
    from crawler.runner import crawl_sites
    from mock_sites.server import serve_world, targets_toml
    from storage import Store

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    db_url = f"sqlite:///{(out / 'vigie.db').resolve()}"
    store = Store(db_url)
    store.upgrade()
    days = min(crawl_days or config.days, config.days)
    result = DemoResult(database=db_url, report=out / "report" / "index.html", days=days)
    os.environ.setdefault("VIGIE_BUYER_KEY", DEMO_BUYER_KEY)
    os.environ["VIGIE_VAULT_USER"] = config.vault_username
    os.environ["VIGIE_VAULT_PASSWORD"] = config.vault_password

    started = time.monotonic()
    with serve_world(config, day=0) as running:
        targets = out / "targets.toml"
        targets.write_text(targets_toml(running), encoding="utf-8")
        keys = list(running.urls)
        for day in range(days):
            running.set_day(day)
            results = crawl_sites(keys, targets, db_url, observed_at=crawl_clock(config, day),
                                  warc_dir=out / "warc", jobs=jobs)
            for r in results:
                result.runs[r.status] = result.runs.get(r.status, 0) + 1
                result.items += r.items
            if progress:
                progress(day, results)
    result.seconds["crawl"] = time.monotonic() - started

    t = time.monotonic()
    summary = link_database(store.engine)
    result.actors = summary.actors
    result.seconds["link"] = time.monotonic() - t
    result.linkage = evaluate_against_truth(store, config)

    t = time.monotonic()
    compute_and_store(store.engine, IndicatorConfig())
    result.seconds["indicators"] = time.monotonic() - t

    t = time.monotonic()
    build_report(load_tables(store.engine), result.report.parent,
                 meta={"title": f"mock world (seed {config.seed}), {days} simulated days",
                       "database": db_url},
                 linkage={"actors": result.actors})
    result.seconds["report"] = time.monotonic() - t
    store.dispose()
    return result


def evaluate_against_truth(store, config: WorldConfig) -> dict:
    """Linkage scores of the demo database against the mock world's truth."""
    from crawler.linkage.evaluate import evaluate_database
    from mock_sites.world import World
    return evaluate_database(store.engine, World(config))
