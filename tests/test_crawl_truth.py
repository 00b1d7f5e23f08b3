"""A crawl of every site of the small world, through the whole pipeline into a database,
shows field by field what the world showed that day (SQLite and PostgreSQL); re-running it
adds nothing."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from tests.test_crawl_support import (content_counts, crawl_day, feedback_shown, feedback_true, listings_shown,
                                      listings_true, posts_shown, posts_true, query, vendors_shown, vendors_true)

DAY = 1
MARKETS = ("bazaar", "nocturne", "vault")


@pytest.fixture(scope="module")
def served(world_config, world):
    from mock_sites.server import serve_world
    with serve_world(world_config, day=DAY, world=world) as running:
        yield running


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def crawled(request, served, tmp_path_factory):
    """(engine, results, tmp) after crawling every site on DAY into a fresh database."""
    tmp = tmp_path_factory.mktemp(f"crawl-{request.param}")
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'vigie.db'}"
    else:
        base = request.getfixturevalue("pg_url")
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(base)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        url = f"{base}?options=-csearch_path%3D{schema}"
    results = crawl_day(served, DAY, served.urls, url, tmp, jobs=2)
    engine = sa.create_engine(url)
    yield engine, url, results, tmp
    engine.dispose()
    if schema:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def test_every_run_is_complete_and_nothing_is_quarantined(crawled):
    engine, _, results, _ = crawled
    assert {r.site: (r.status, r.reason, r.exit_code) for r in results} == \
        {s: ("complete", None, 0) for s in ("bazaar", "nocturne", "vault", "feed")}
    assert all(r.items > 0 and r.quarantined == 0 for r in results)
    assert query(engine, "SELECT count(*) FROM quarantine") == [(0,)]
    runs = query(engine, "SELECT site, status, n_quarantined, warc_files FROM v_runs ORDER BY site")
    assert [(s, st, q) for s, st, q, _ in runs] == [(r, "complete", 0) for r in sorted(r.site for r in results)]


@pytest.mark.parametrize("site", MARKETS)
def test_listings_and_vendors_of_the_day_equal_the_truth(crawled, world, site):
    engine = crawled[0]
    view = world.day_view(DAY)
    got, want = listings_shown(engine, site, view.date), listings_true(view, site)
    assert set(got) == set(want)
    wrong = {lid: (got[lid], want[lid]) for lid in want if got[lid] != want[lid]}
    assert not wrong, f"{len(wrong)} listings differ, e.g. {next(iter(wrong.items()))}"
    got, want = vendors_shown(engine, site, view.date), vendors_true(view, site)
    assert set(got) == set(want)
    wrong = {h: (got[h], want[h]) for h in want if got[h] != want[h]}
    assert not wrong, f"{len(wrong)} vendors differ, e.g. {next(iter(wrong.items()))}"


@pytest.mark.parametrize("site", MARKETS)
def test_feedback_equals_the_truth(crawled, world, site):
    view = world.day_view(DAY)
    assert feedback_shown(crawled[0], site) == feedback_true(view, site)


def test_posts_equal_the_truth(crawled, world):
    view = world.day_view(DAY)
    got, want = posts_shown(crawled[0], "feed"), posts_true(view, "feed")
    assert set(got) == set(want)
    wrong = {p: (got[p], want[p]) for p in want if got[p][:-1] != want[p][:-1]}
    assert not wrong, f"{len(wrong)} posts differ, e.g. {next(iter(wrong.items()))}"
    agree = sum(got[p][-1] == want[p][-1] for p in want) / len(want)
    print(f"advert label agreement: {agree:.1%}")
    assert agree >= 0.9


def test_every_observation_points_to_its_archived_page(crawled):
    engine = crawled[0]
    for view in ("v_listing_daily", "v_vendor_daily"):
        missing = query(engine, f"SELECT count(*) FROM {view} WHERE warc_record_id IS NULL OR page_sha256 IS NULL "
                                "OR warc_file IS NULL")
        assert missing == [(0,)], view
    for _, _, _, files in query(engine, "SELECT site, status, n_quarantined, warc_files FROM v_runs"):
        assert files and files != "[]"


def test_re_running_the_same_day_adds_nothing(crawled, served):
    engine, url, results, tmp = crawled
    before = content_counts(engine)
    runs_before = query(engine, "SELECT count(*) FROM crawl_runs")[0][0]
    again = crawl_day(served, DAY, served.urls, url, tmp, jobs=2)
    assert {r.status for r in again} == {"complete"}
    assert content_counts(engine) == before
    assert query(engine, "SELECT count(*) FROM crawl_runs")[0][0] == runs_before + len(again)
