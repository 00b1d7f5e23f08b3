"""Storage growth: validity intervals vs one row per listing per day.

Simulates N listings crawled daily by complete runs, with a share of them changing each
day (a price change, or a listing replaced by a new one), writes them through
``Store.write_items``, and at checkpoints prints side by side the rows and bytes of the
Vigie store and of a naive snapshot table (one row per listing per day, same columns)
written in the same run, and the number of actual changes (each listing's first state,
then every change) with the ratio of version rows to it (goal: at most 1.5).

    .venv/bin/python bench/bench_storage.py                    # 10k listings, 1/30/90/365 days
    .venv/bin/python bench/bench_storage.py --listings 2000 --days 1,30
    .venv/bin/python bench/bench_storage.py --db postgresql+psycopg://postgres@127.0.0.1/test
"""
from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from bench._common import machine  # noqa: E402
from crawler.items import Listing, Provenance  # noqa: E402
from storage import Store  # noqa: E402

START = datetime(2026, 1, 1, 12)
COUNTRIES = ["NL", "BE", "DE", "FR", "GB", "ES"]
CATEGORIES = ["cannabis", "cocaine", "mdma", "amphetamine", "ketamine", "lsd"]


class Market:
    """N listings; each day ``change`` of them change: 80 % a new price, 20 % replaced."""

    def __init__(self, n: int, change: float, seed: int = 1):
        self.rnd = random.Random(seed)
        self.change = change
        self.next_id = 0
        self.listings = {}
        self.changes = n          # actual changes so far: each listing's first state, then every change
        for _ in range(n):
            self._add()

    def _add(self) -> None:
        lid = f"L{self.next_id:07d}"
        self.next_id += 1
        q = self.rnd.choice([1, 5, 10, 25, 100])
        price = Decimal(self.rnd.randrange(1000, 90000)) / 100
        self.listings[lid] = {"title": f"{q}g {self.rnd.choice(CATEGORIES)} {lid}", "vendor": f"vendor{self.rnd.randrange(800)}",
                              "category": self.rnd.choice(CATEGORIES), "price_eur": price, "quantity": Decimal(q),
                              "ships_from": self.rnd.choice(COUNTRIES)}

    def step(self) -> None:
        for lid in self.rnd.sample(sorted(self.listings), int(len(self.listings) * self.change)):
            if self.rnd.random() < 0.8:
                self.listings[lid]["price_eur"] = (self.listings[lid]["price_eur"] * Decimal("1.05")).quantize(Decimal("0.01"))
            else:
                del self.listings[lid]
                self._add()
            self.changes += 1

    def items(self, day: int) -> list[Listing]:
        at = START + timedelta(days=day)
        out = []
        for lid, a in self.listings.items():
            prov = Provenance(url=f"http://127.0.0.1:8001/listing/{lid}", fetched_at=at,
                              warc_record_id=f"<urn:uuid:{day:04d}-{lid}>", warc_file=f"day{day}.warc.gz",
                              page_sha256=f"{hash((lid, day)) & (2**256 - 1):064x}")
            out.append(Listing(site="benchmarket", provenance=prov, listing_id=lid, title=a["title"],
                               vendor=a["vendor"], category_raw=a["category"], category=a["category"],
                               price_raw=f"{a['price_eur']} EUR", currency="EUR", price=a["price_eur"],
                               price_eur=a["price_eur"], quantity=a["quantity"], unit="g",
                               unit_price_eur=(a["price_eur"] / a["quantity"]).quantize(Decimal("0.000001")),
                               ships_from=a["ships_from"], ships_to=("EU",), excludes=()))
        return out


NAIVE_COLUMNS = ("listing_id", "day", "title", "vendor", "category", "category_raw", "currency", "price",
                 "price_raw", "price_eur", "quantity", "unit", "unit_price_eur", "ships_from", "ships_to",
                 "excludes", "run_id", "url", "warc_record_id", "warc_file", "page_sha256")


def naive_db(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"CREATE TABLE snapshots ({', '.join(NAIVE_COLUMNS)}, PRIMARY KEY (listing_id, day))")
    return conn


def naive_write(conn: sqlite3.Connection, items: list[Listing], day: int, run_id: int) -> None:
    rows = [(i.listing_id, (START + timedelta(days=day)).date().isoformat(), i.title, i.vendor, i.category,
             i.category_raw, i.currency, str(i.price), i.price_raw, str(i.price_eur), str(i.quantity), i.unit,
             str(i.unit_price_eur), i.ships_from, ",".join(i.ships_to), ",".join(i.excludes), run_id,
             i.provenance.url, i.provenance.warc_record_id, i.provenance.warc_file, i.provenance.page_sha256)
            for i in items]
    conn.executemany(f"INSERT INTO snapshots VALUES ({', '.join('?' * len(NAIVE_COLUMNS))})", rows)
    conn.commit()


def sqlite_bytes(path: Path, conn=None) -> int:
    c = conn or sqlite3.connect(path)
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = c.execute("PRAGMA page_count").fetchone()[0] * c.execute("PRAGMA page_size").fetchone()[0]
    if conn is None:
        c.close()
    return size


def store_bytes(store: Store) -> int:
    if store.dialect == "sqlite":
        return sqlite_bytes(store.database_file())
    with store.engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r'")).scalar()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listings", type=int, default=10_000)
    ap.add_argument("--change", type=float, default=0.05, help="share of listings changing per day")
    ap.add_argument("--days", default="1,30,90,365", help="checkpoints (the last is the length)")
    ap.add_argument("--db", default=None, help="Vigie database URL (default: a temporary SQLite file); "
                                               "PostgreSQL: use an empty schema via options=-csearch_path")
    args = ap.parse_args(argv)
    checkpoints = sorted(int(d) for d in args.days.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="vigie-bench-"))
    store = Store(args.db or f"sqlite:///{tmp / 'vigie.db'}", batch_size=2000)
    store.upgrade()
    naive = naive_db(tmp / "naive.db")
    market = Market(args.listings, args.change)
    print(machine())
    print(f"{args.listings} listings, {args.change:.0%} changing per day, store: {store.dialect}")
    print(f"{'days':>5} {'items written':>14} {'changes':>8} {'version rows':>13} {'versions/changes':>16} "
          f"{'naive rows':>11} {'rows ratio':>10} {'store MB':>9} {'naive MB':>9} {'bytes ratio':>11} {'store s/day':>11}")
    spent = 0.0
    for day in range(checkpoints[-1]):
        if day:
            market.step()
        items = market.items(day)
        t0 = time.perf_counter()
        run = store.start_run("benchmarket", "benchmarket", START + timedelta(days=day))
        store.write_items(run, items)
        store.finish_run(run, "complete")
        spent += time.perf_counter() - t0
        naive_write(naive, items, day, run)
        if day + 1 in checkpoints:
            counts = store.row_counts()
            versions = counts["listing_versions"]
            naive_rows = naive.execute("SELECT count(*) FROM snapshots").fetchone()[0]
            sb, nb = store_bytes(store), sqlite_bytes(tmp / "naive.db", naive)
            print(f"{day + 1:>5} {naive_rows:>14} {market.changes:>8} {versions:>13} {versions / market.changes:>16.2f} "
                  f"{naive_rows:>11} {naive_rows / versions:>9.1f}x "
                  f"{sb / 1e6:>9.1f} {nb / 1e6:>9.1f} {nb / sb:>10.1f}x {spent / (day + 1):>11.2f}", flush=True)
    store.dispose()


if __name__ == "__main__":
    main()
