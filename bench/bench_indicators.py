"""Indicator computation: one year x 3 markets, on SQLite and PostgreSQL; full and daily.

    .venv/bin/python bench/bench_indicators.py                 # 240 actors (the default world), 365 days, SQLite + PostgreSQL
    .venv/bin/python bench/bench_indicators.py --actors 60 --runs 5
    .venv/bin/python bench/bench_indicators.py --pg ""         # SQLite only
    .venv/bin/python bench/bench_indicators.py --cache /tmp/ind-cache   # fill once, reuse next time

The database is filled as a perfect daily crawl of the mock world would fill it
(``tests.truth_items.store_days``: one complete run per market and day, partial on days a
market is down, seized or gone), for 365 days of bazaar, nocturne and vault, then linked
(``crawler.linkage.service.link_database``) so the actor indicators have actors.  The
world's events are moved inside the year (exit scam day 250, seizure day 300, relocation
day 200).  PostgreSQL gets a schema of its own (``vigie_bench_ind``, dropped first),
filled by default with a copy of the linked SQLite database (same rows).

Timed (medians of ``--runs``), with ``crawler.indicators.store.compute_and_store`` as
``vigie indicators`` calls it:
- full: recompute every indicator and rewrite every day (``--full``);
- daily: the database one day behind, the last day's crawl stored, then the incremental
  update (``since`` = that day: recomputes from the history, rewrites that day's rows);
and the parts of a full run: reading the views (``inputs_from_db``), computing
(``compute_all``), writing.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import machine, med, spread, table

MARKETS = ("bazaar", "nocturne", "vault")
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_SCHEMA = "vigie_bench_ind"


def pg_url(base: str) -> str:
    import sqlalchemy as sa
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {PG_SCHEMA}"))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{PG_SCHEMA}"


def _no_nan(value):
    """JSON for PostgreSQL, which refuses NaN (SQLite keeps it)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_nan(v) for v in value]
    return value


def copy_database(src, dst, chunk: int = 5000) -> int:
    """Every row of every table of ``src`` into the empty schema of ``dst`` (same Alembic
    head), tables in dependency order; PostgreSQL sequences moved past the copied IDs."""
    import sqlalchemy as sa

    from storage import models as m
    n = 0
    with src.connect() as s_conn, dst.begin() as d_conn:
        for table in m.Base.metadata.sorted_tables:
            if table.name in ("alembic_version", "schema_info"):
                continue
            json_cols = [c.name for c in table.columns if isinstance(c.type, sa.JSON)]
            result = s_conn.execute(sa.select(table))
            while rows := result.fetchmany(chunk):
                batch = [dict(r._mapping) for r in rows]
                for row in batch:
                    for c in json_cols:
                        row[c] = _no_nan(row[c])
                d_conn.execute(sa.insert(table), batch)
                n += len(batch)
            pk = list(table.primary_key.columns)
            if len(pk) == 1 and isinstance(pk[0].type, sa.Integer):
                d_conn.execute(sa.text(
                    f"SELECT setval(seq, (SELECT coalesce(max({pk[0].name}), 0) + 1 FROM {table.name}), false) "
                    f"FROM (SELECT pg_get_serial_sequence('{table.name}', '{pk[0].name}') AS seq) s "
                    "WHERE seq IS NOT NULL"))
    return n


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--actors", type=int, default=240)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pg", default=PG_DEFAULT, help="PostgreSQL URL ('' to skip)")
    ap.add_argument("--pg-fill", choices=("copy", "store"), default="copy",
                    help="fill PostgreSQL by copying the linked SQLite database (default, fast) or by "
                         "writing every day through Store and linking there (slow on this machine)")
    ap.add_argument("--cache", metavar="DIR",
                    help="keep the filled and linked SQLite database (all days but the last) in DIR and reuse it "
                         "on the next run with the same --actors/--days (the fill takes minutes)")
    ap.add_argument("--fill-only", action="store_true", help="fill (and --cache) the database, time nothing")
    args = ap.parse_args(argv)

    import tempfile

    from crawler.indicators import compute_all
    from crawler.indicators.from_db import inputs_from_db
    from crawler.indicators.store import compute_and_store
    from mock_sites.world import World, WorldConfig
    from storage import Store
    from tests.truth_items import items_for_day

    print(machine())
    config = WorldConfig(n_actors=args.actors, days=args.days, exit_day=min(250, args.days - 1),
                         takedown_day=min(300, args.days - 1), relocation_day=min(200, args.days - 1))
    world = World(config)
    tmp = Path(tempfile.mkdtemp(prefix="vigie-bench-ind-"))
    cached = Path(args.cache) / f"ind-{args.actors}a-{args.days}d.db" if args.cache else None
    from_cache = cached is not None and cached.exists()
    if from_cache:
        import shutil
        shutil.copyfile(cached, tmp / "ind.db")
        print(f"database from the cache: {cached}")
    stores = {"SQLite": Store(f"sqlite:///{tmp / 'ind.db'}")}
    pg = None
    if args.pg:
        try:
            pg = Store(pg_url(args.pg))
        except Exception as exc:  # noqa: BLE001 - no server: SQLite only, said so
            print(f"PostgreSQL skipped: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
    if pg is not None and (args.pg_fill == "store" and not from_cache):
        stores["PostgreSQL"] = pg
    for store in (*stores.values(), *([pg] if pg is not None else [])):
        store.upgrade()

    # ---- fill: every day but the last, then link
    load_s: dict[str, float] = {name: 0.0 for name in stores}
    n_items = 0

    def store_day(day: int) -> None:
        nonlocal n_items
        view = world.day_view(day)
        per_site = items_for_day(view, MARKETS)
        n_items += sum(len(v) for v in per_site.values())
        for name, store in stores.items():
            t0 = time.perf_counter()
            for site in MARKETS:
                state = view.sites[site]
                run = store.start_run(site, site, view.now)
                store.write_items(run, per_site.get(site, []))
                store.finish_run(run, "complete" if state.status == "up" else "partial",
                                 None if state.status == "up" else state.status, {}, [])
            load_s[name] = load_s.get(name, 0.0) + time.perf_counter() - t0

    t0 = time.perf_counter()
    for day in range(0 if from_cache else args.days - 1):
        store_day(day)
        if day % 60 == 59:
            print(f"  stored {day + 1} days ({time.perf_counter() - t0:.0f} s)", flush=True)
    linked = {}
    for name, store in stores.items():
        if from_cache:
            linked[name] = "linked (cached database)"
            break
        try:
            from crawler.linkage.service import link_database
            t1 = time.perf_counter()
            summary = link_database(store.engine)
            linked[name] = f"linked in {time.perf_counter() - t1:.0f} s ({summary.__class__.__name__})"
        except Exception as exc:  # noqa: BLE001 - without actors the actor indicators are empty: say so
            linked[name] = f"NOT linked ({exc.__class__.__name__}: {str(exc).splitlines()[0][:120]})"
    if cached is not None and not from_cache:
        import shutil
        cached.parent.mkdir(parents=True, exist_ok=True)
        stores["SQLite"].engine.dispose()          # the WAL checkpointed into the file copied
        shutil.copyfile(tmp / "ind.db", cached)
        print(f"database cached: {cached}")
    if args.fill_only:
        return
    if pg is not None and (args.pg_fill == "copy" or from_cache):
        t1 = time.perf_counter()
        copied = copy_database(stores["SQLite"].engine, pg.engine)
        stores["PostgreSQL"] = pg
        load_s["PostgreSQL (copied from SQLite)"] = time.perf_counter() - t1
        linked["PostgreSQL"] = f"linkage copied from SQLite ({copied} rows in all)"
    counts = {name: store.row_counts() for name, store in stores.items()}
    first = next(iter(counts.values()))
    print(f"world: {args.actors} actors, {args.days} days x {len(MARKETS)} markets; {n_items} items stored "
          f"({first.get('listing_versions', 0)} listing versions, {first.get('feedback', 0)} feedback, "
          f"{first.get('crawl_runs', 0)} runs); load time " +
          ", ".join(f"{n} {s:.0f} s" for n, s in load_s.items()) + "; " +
          "; ".join(f"{n}: {v}" for n, v in linked.items()), flush=True)

    rows = []
    for name, store in stores.items():
        full, read, compute, daily = [], [], [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            compute_and_store(store.engine, since=None)
            full.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            inputs = inputs_from_db(store.engine)
            read.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            tables = compute_all(inputs)
            compute.append(time.perf_counter() - t0)
        for _ in range(args.runs):      # the last stored day again, as a daily job would
            t0 = time.perf_counter()
            compute_and_store(store.engine, since=world.day_view(args.days - 2).date)
            daily.append(time.perf_counter() - t0)
        rows += [[name, "full (all days rewritten)", f"{med(full):.1f}", spread(full),
                  sum(len(f) for f in tables.values())],
                 [name, "  of which: read the views", f"{med(read):.1f}", spread(read), ""],
                 [name, "  of which: compute (pandas)", f"{med(compute):.1f}", spread(compute), ""],
                 [name, "  of which: write (the rest)", f"{med(full) - med(read) - med(compute):.1f}", "", ""],
                 [name, "incremental (last day rewritten)", f"{med(daily):.1f}", spread(daily), ""]]
        for r in rows[-5:]:
            print("  " + " | ".join(str(c) for c in r), flush=True)
    # the last day's crawl, then one incremental update (the real daily job)
    store_day(args.days - 1)
    last = world.day_view(args.days - 1).date
    for name, store in stores.items():
        t0 = time.perf_counter()
        run = compute_and_store(store.engine, since=last)
        dt = time.perf_counter() - t0
        rows.append([name, f"daily after storing day {args.days} (since {last})", f"{dt:.1f}", "1 run",
                     sum(run.rows_written.values())])
    print()
    print(table(["database", "computation", "seconds (median)", "range", "indicator rows"], rows))
    for store in stores.values():
        store.dispose()
    if "PostgreSQL" in stores and args.pg:
        import sqlalchemy as sa
        engine = sa.create_engine(args.pg)
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        engine.dispose()


if __name__ == "__main__":
    main()
