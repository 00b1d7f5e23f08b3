"""The views answer "what did site S show on day X" from intervals, for every day."""
from __future__ import annotations

import random
from decimal import Decimal

from tests.test_storage_support import (crawl, feedback, listing, post, rows, scalar, store,  # noqa: F401
                                        store_url, vendor)

DAYS = 14
PARTIAL_DAYS = {4, 5, 9}


def simulate(seed: int = 7):
    """Per day: the site's true listings {id: price} and what the crawl saw of them."""
    rnd = random.Random(seed)
    alive = {str(i): Decimal(40 + i) for i in range(12)}
    next_id = 12
    days = []
    for day in range(DAYS):
        for lid in list(alive):
            r = rnd.random()
            if r < 0.08:
                del alive[lid]
            elif r < 0.25:
                alive[lid] = alive[lid] + Decimal("2.50")
        if rnd.random() < 0.6:
            alive[str(next_id)] = Decimal(30 + next_id)
            next_id += 1
        truth = dict(alive)
        seen = truth if day not in PARTIAL_DAYS else {k: v for k, v in truth.items() if rnd.random() < 0.5}
        days.append((truth, seen))
    return days


def view_day(store, day: int):
    return rows(store, "SELECT listing_id, price_eur, partial_day, seen, warc_record_id FROM v_listing_daily "
                       "WHERE site = 'bazaar' AND day = :d ORDER BY listing_id", d=f"2026-01-{day + 1:02d}")


def test_listing_daily_reconstructs_every_day(store):
    days = simulate()
    written = {}                                     # warc_record_id -> (listing_id, price)
    for day, (truth, seen) in enumerate(days):
        items = [listing(k, day, price_eur=v) for k, v in seen.items()]
        written.update({i.provenance.warc_record_id: (i.listing_id, i.price_eur) for i in items})
        crawl(store, day, items, status="partial" if day in PARTIAL_DAYS else "complete")
    for day, (truth, seen) in enumerate(days):
        got = view_day(store, day)
        shown = {lid: Decimal(str(price)) for lid, price, *_ in got}
        if day in PARTIAL_DAYS:
            assert all(bool(p) for _, _, p, _, _ in got)
            for lid, price in seen.items():          # all it saw, with the values it saw
                assert shown[lid] == price
            continue
        assert shown == truth, f"day {day}"
        for lid, price, partial, seen_flag, record in got:
            assert not partial and seen_flag
            assert written[record] == (lid, Decimal(str(price)))   # the archived page proves it


def test_days_without_runs_are_absent_and_partial_days_carry_open_versions(store):
    crawl(store, 0, [listing("1", 0), listing("2", 0)])
    crawl(store, 3, [listing("1", 3)], status="partial")
    days = rows(store, "SELECT day, partial_day FROM v_crawl_days ORDER BY day")
    assert [(str(d)[:10], bool(p)) for d, p in days] == [("2026-01-01", False), ("2026-01-04", True)]
    got = rows(store, "SELECT listing_id, seen FROM v_listing_daily WHERE day = :d ORDER BY listing_id",
               d="2026-01-04")
    assert [(lid, bool(s)) for lid, s in got] == [("1", True), ("2", False)]


def test_vendor_daily_feedback_posts_and_runs(store):
    r0 = crawl(store, 0, [vendor("A", 0), listing("1", 0), feedback("f1", 0), post("p1", 0, site="bazaar")])
    crawl(store, 1, [vendor("A", 1, sales_count=121), listing("1", 1, price_eur=Decimal("60")),
                     feedback("f1", 1), feedback("f2", 1)])
    sales = rows(store, "SELECT day, sales_count FROM v_vendor_daily WHERE handle = 'A' ORDER BY day")
    assert [(str(d)[:10], s) for d, s in sales] == [("2026-01-01", 120), ("2026-01-02", 121)]
    fb = rows(store, "SELECT feedback_id, first_run_id, price_eur FROM v_feedback ORDER BY feedback_id")
    assert [(f, r, Decimal(str(p))) for f, r, p in fb] == [("f1", r0, Decimal("45")), ("f2", r0 + 1, Decimal("60"))]
    assert scalar(store, "SELECT count(*) FROM v_social_posts") == 1
    runs = rows(store, "SELECT run_id, status, n_listings, n_vendors, n_feedback, n_posts FROM v_runs ORDER BY run_id")
    assert runs == [(r0, "complete", 1, 1, 1, 1), (r0 + 1, "complete", 1, 1, 1, 0)]
