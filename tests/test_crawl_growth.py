"""30 simulated days of crawls into SQLite: stored observation rows grow with changes, not
with days, and "what did site S show on day X" read back from the views equals the truth.

bazaar is crawled every day (it exits on day 18: partial runs from then on); the other
sites every fifth day (keeps the test lean: each run is a process).
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.test_crawl_support import (crawl_day, listings_shown, listings_true, query, vendors_shown,
                                      vendors_true)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]   # module fixtures crawl many days
DAILY = ("bazaar",)
EVERY_FIFTH = ("nocturne", "vault", "feed")


def sites_of(day: int) -> tuple[str, ...]:
    return DAILY + (EVERY_FIFTH if day % 5 == 0 else ())


@pytest.fixture(scope="module")
def month(world_config, world, tmp_path_factory):
    from mock_sites.server import serve_world
    tmp = tmp_path_factory.mktemp("month")
    url = f"sqlite:///{tmp / 'vigie.db'}"
    statuses = {}
    with serve_world(world_config, day=0, world=world) as running:
        for day in range(world_config.days):
            for r in crawl_day(running, day, sites_of(day), url, tmp, jobs=2):
                statuses[(day, r.site)] = r.status
    engine = sa.create_engine(url)
    yield engine, statuses
    engine.dispose()


def expected_versions(world, site: str, days, truth_of) -> int:
    """Versions an interval store must hold: a new one per change of the tracked values and
    per reappearance, counted over the days of complete crawls of ``site``."""
    last: dict[str, tuple] = {}
    versions = 0
    for day in days:
        shown = truth_of(world.day_view(day), site)
        versions += sum(1 for key, state in shown.items() if last.get(key) != state)
        last = shown
    return versions


def complete_days(statuses, site):
    return sorted(d for (d, s), st in statuses.items() if s == site and st == "complete")


def test_the_runs_have_the_statuses_of_the_world(month, world):
    _, statuses = month
    for (day, site), status in statuses.items():
        up = world.day_view(day).sites[site].status == "up"
        assert (status == "complete") == up, (day, site, status)


@pytest.mark.parametrize("site", ["bazaar", "nocturne", "vault"])
def test_rows_grow_with_changes_not_with_days(month, world, site):
    engine, statuses = month
    days = complete_days(statuses, site)
    listing_rows = query(engine, "SELECT count(*) FROM listing_versions v JOIN listings l USING (listing_uid) "
                                 "WHERE l.site_id = :s", s=site)[0][0]
    vendor_rows = query(engine, "SELECT count(*) FROM vendor_versions v JOIN vendor_accounts a USING (account_id) "
                                "WHERE a.site_id = :s", s=site)[0][0]
    naive = sum(len(listings_true(world.day_view(d), site)) for d in days)
    print(f"{site}: {len(days)} complete crawl days, {listing_rows} listing version rows vs {naive} "
          f"listing×day snapshots ({naive / max(listing_rows, 1):.1f}×); {vendor_rows} vendor version rows")
    assert listing_rows == expected_versions(world, site, days, listings_true)
    assert vendor_rows == expected_versions(world, site, days, vendors_true)
    if len(days) > 5:
        assert listing_rows < naive / 3


@pytest.mark.parametrize("site, day", [("bazaar", 3), ("bazaar", 9), ("bazaar", 16), ("bazaar", 17),
                                       ("nocturne", 15), ("nocturne", 25), ("vault", 5), ("vault", 20)])
def test_a_past_day_reads_back_as_the_truth(month, world, site, day):
    engine, statuses = month
    assert statuses[(day, site)] == "complete"
    view = world.day_view(day)
    assert listings_shown(engine, site, view.date) == listings_true(view, site)
    assert vendors_shown(engine, site, view.date) == vendors_true(view, site)


def test_partial_days_carry_the_last_complete_day_forward(month, world):
    engine, statuses = month
    assert statuses[(20, "bazaar")] == "partial"
    rows = query(engine, "SELECT listing_id, partial_day, seen FROM v_listing_daily WHERE site = 'bazaar' "
                         "AND day = :d", d=world.day_view(20).date)
    assert sorted(r[0] for r in rows) == sorted(listings_true(world.day_view(17), "bazaar"))
    assert all(bool(p) and not bool(s) for _, p, s in rows)


def test_feedback_is_stored_once_however_often_it_is_seen(month, world):
    engine, statuses = month
    for site in ("bazaar", "vault"):
        seen = set()
        for day in complete_days(statuses, site):
            seen |= {f.feedback_id for f in world.day_view(day).feedback if f.site == site}
        assert query(engine, "SELECT count(*) FROM v_feedback WHERE site = :s", s=site)[0][0] == len(seen)
