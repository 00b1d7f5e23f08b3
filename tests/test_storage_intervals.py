"""Change history, not copies: versions, intervals, partial runs, re-runs."""
from __future__ import annotations

from decimal import Decimal

import pytest

from storage import RunOrderError, RunStateError
from tests.test_storage_support import (crawl, day_at, listing, rows, scalar, store, store_url,  # noqa: F401
                                        vendor)


def versions(store, table="listing_versions"):
    return rows(store, f"SELECT valid_from, valid_to, first_run_id, last_seen_run_id FROM {table} ORDER BY version_id")


def test_a_year_of_an_unchanged_listing_is_one_row(store):
    for day in range(365):
        crawl(store, day, [listing("1", day), vendor("DutchMasters", day)])
    assert scalar(store, "SELECT count(*) FROM listing_versions") == 1
    assert scalar(store, "SELECT count(*) FROM vendor_versions") == 1
    assert scalar(store, "SELECT count(*) FROM crawl_runs") == 365
    (vf, vt, first, last), = versions(store)
    assert vt is None and first == 1 and last == 365
    assert scalar(store, "SELECT count(*) FROM v_listing_daily") == 365


def test_a_price_change_makes_a_second_version(store):
    r1 = crawl(store, 0, [listing("1", 0)])
    crawl(store, 1, [listing("1", 1)])
    r3 = crawl(store, 2, [listing("1", 2, price_eur=Decimal("40.00"))])
    crawl(store, 3, [listing("1", 3, price_eur=Decimal("40.00"))])
    got = versions(store)
    assert len(got) == 2
    assert got[0][2] == r1 and got[0][3] == r1 + 1 and str(got[0][1]).startswith("2026-01-03")
    assert got[1][2] == r3 and got[1][1] is None


def test_crypto_amount_alone_is_not_a_change(store):
    """The BTC amount moves with the daily rate; the EUR price is what is tracked."""
    crawl(store, 0, [listing("1", 0)])
    crawl(store, 1, [listing("1", 1, price=Decimal("0.0081"), price_raw="0.00810000 BTC")])
    assert scalar(store, "SELECT count(*) FROM listing_versions") == 1
    assert scalar(store, "SELECT last_price_raw FROM listing_versions") == "0.00810000 BTC"
    assert scalar(store, "SELECT price_raw FROM listing_versions") == "0.00800000 BTC"


@pytest.mark.parametrize("status", ["partial", "blocked", "failed"])
def test_an_incomplete_run_closes_nothing(store, status):
    crawl(store, 0, [listing("1", 0), listing("2", 0), vendor("A", 0), vendor("B", 0)])
    crawl(store, 1, [listing("1", 1), vendor("A", 1)], status=status)
    assert scalar(store, "SELECT count(*) FROM listing_versions WHERE valid_to IS NULL") == 2
    assert scalar(store, "SELECT count(*) FROM vendor_versions WHERE valid_to IS NULL") == 2


def test_a_complete_run_closes_what_it_did_not_see(store):
    crawl(store, 0, [listing("1", 0), listing("2", 0), vendor("A", 0), vendor("B", 0)])
    crawl(store, 1, [listing("1", 1)], status="partial")
    crawl(store, 2, [listing("1", 2), vendor("A", 2)])
    closed = rows(store, "SELECT l.listing_id, v.valid_to FROM listing_versions v JOIN listings l "
                         "ON l.listing_uid = v.listing_uid WHERE v.valid_to IS NOT NULL")
    assert [(x, str(t)[:10]) for x, t in closed] == [("2", "2026-01-03")]
    assert rows(store, "SELECT a.handle FROM vendor_versions v JOIN vendor_accounts a "
                       "ON a.account_id = v.account_id WHERE v.valid_to IS NOT NULL") == [("B",)]


def test_a_listing_that_comes_back_opens_a_new_interval(store):
    crawl(store, 0, [listing("1", 0), listing("2", 0)])
    crawl(store, 1, [listing("1", 1)])
    crawl(store, 2, [listing("1", 2), listing("2", 2)])
    assert scalar(store, "SELECT count(*) FROM listing_versions") == 3
    assert scalar(store, "SELECT count(DISTINCT listing_uid) FROM listing_versions") == 2
    days = rows(store, "SELECT day FROM v_listing_daily WHERE listing_id = '2' ORDER BY day")
    assert [str(d)[:10] for d, in days] == ["2026-01-01", "2026-01-03"]


def test_rewriting_a_run_and_rerunning_the_day_add_nothing(store):
    items = [listing(str(i), 0) for i in range(5)] + [vendor("A", 0)]
    run = store.start_run("bazaar", "bazaar", day_at(0))
    store.write_items(run, items)
    before = store.row_counts()
    store.write_items(run, items)                 # the same batch again (replay)
    store.finish_run(run, "complete")
    store.finish_run(run, "complete")             # finishing twice is a no-op
    crawl(store, 0, items, hour=18)               # a second run the same day, same data
    after = store.row_counts()
    assert after["crawl_runs"] == before["crawl_runs"] + 1
    assert {k: v for k, v in after.items() if k != "crawl_runs"} == \
           {k: v for k, v in before.items() if k != "crawl_runs"}


def test_same_run_last_observation_wins_without_zero_length_rows(store):
    run = store.start_run("bazaar", "bazaar", day_at(0))
    store.write_items(run, [listing("1", 0, title="first")])
    store.write_items(run, [listing("1", 0, title="second")])
    store.finish_run(run, "complete")
    assert rows(store, "SELECT title, valid_to FROM listing_versions") == [("second", None)]


def test_runs_are_written_in_crawl_clock_order(store):
    crawl(store, 5, [listing("1", 5)])
    with pytest.raises(RunOrderError):
        store.start_run("bazaar", "bazaar", day_at(3))
    store.start_run("vault", "vault", day_at(3))      # another site has its own clock
    store.start_run("bazaar", "bazaar", day_at(5))    # same instant: a re-run, allowed


def test_finish_states(store):
    run = crawl(store, 0, [listing("1", 0)], status="partial")
    with pytest.raises(RunStateError):
        store.finish_run(run, "complete")
    with pytest.raises(ValueError):
        store.finish_run(run, "done")
    with pytest.raises(RunStateError):
        store.write_items(run, [listing("1", 0, site="vault")])
    info = rows(store, "SELECT status, reason, n_listings, n_vendors FROM crawl_runs WHERE run_id = :r", r=run)
    assert info == [("partial", "test: partial", 1, 0)]


def test_stale_replay_of_an_old_run_does_not_rewrite_history(store):
    r0 = crawl(store, 0, [listing("1", 0)])
    crawl(store, 1, [listing("1", 1, price_eur=Decimal("50"))])
    store.write_items(r0, [listing("1", 0)])      # a late spool replay of day 0
    got = rows(store, "SELECT price_eur, valid_to FROM listing_versions ORDER BY version_id")
    assert len(got) == 2 and got[1][1] is None and Decimal(str(got[1][0])) == Decimal("50")


def test_vendor_changes_are_versioned_and_ids_are_stable(store):
    from storage.ids import account_id
    crawl(store, 0, [vendor("A", 0)])
    crawl(store, 1, [vendor("A", 1, sales_count=121)])
    crawl(store, 2, [vendor("A", 2, sales_count=121, contacts=(("telegram", "a"), ("wickr", "a")))])
    assert scalar(store, "SELECT count(*) FROM vendor_versions") == 3
    assert rows(store, "SELECT account_id FROM vendor_accounts") == [(account_id("bazaar", "A"),)]
