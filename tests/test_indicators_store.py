"""The ``ind_*`` tables: typed, written by ``compute_and_store``, updated incrementally to
exactly what a full recomputation writes, on SQLite and PostgreSQL (docs/schema.md)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from crawler.indicators import compute_all
from crawler.indicators.from_db import inputs_from_db
from crawler.indicators.store import compute_and_store, last_computed_day, load_tables
from crawler.linkage.service import link_database
from storage import Store
from storage.models import INDICATOR_TABLES
from tests.test_storage_support import store, store_url  # noqa: F401
from tests.truth_items import store_days

MARKETS = ("bazaar", "nocturne", "vault")
DAYS = 20          # the world's closure (exit day 18) and relocation (day 15) inside


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    return frame.sort_values(list(frame.columns), na_position="last").reset_index(drop=True) if len(frame) else frame


def assert_tables_equal(stored: dict[str, pd.DataFrame], computed: dict[str, pd.DataFrame]) -> None:
    assert set(stored) == set(computed) == set(INDICATOR_TABLES)
    for name, frame in computed.items():
        got = stored[name]
        want = frame[[c for c in got.columns]] if len(frame) else frame
        assert len(got) == len(frame), name
        if len(frame):
            pd.testing.assert_frame_equal(_sorted(got), _sorted(want), check_dtype=False, obj=name)


def test_every_indicator_table_is_created_typed_by_the_migrations(store):
    with store.engine.connect() as conn:
        insp = sa.inspect(conn)
        for name, table in INDICATOR_TABLES.items():
            columns = {c["name"]: c for c in insp.get_columns(name)}
            assert set(columns) == {c.name for c in table.columns}, name
            for col in ("day", "closed_on", "first_seen", "first_day", "last_day"):
                if col in columns:      # a date, whatever the data: PostgreSQL compares it with dates
                    assert isinstance(columns[col]["type"], sa.Date), (name, col, columns[col]["type"])


def test_a_daily_update_writes_exactly_what_a_full_recomputation_writes(store, world):
    store_days(store, world, range(DAYS - 1), sites=MARKETS)
    link_database(store.engine)
    full = compute_and_store(store.engine)
    assert full.rows_written["ind_site_daily"] == 3 * (DAYS - 1)
    assert full.rows_written["ind_social_adverts"] == 0        # no feed: the table stays empty, typed
    assert last_computed_day(store.engine) == world.day_view(DAYS - 2).date

    store_days(store, world, [DAYS - 1], sites=MARKETS)        # the next day's crawl
    last = world.day_view(DAYS - 1).date
    daily = compute_and_store(store.engine, since=last_computed_day(store.engine) + pd.Timedelta(days=1))
    assert daily.rows_written["ind_site_daily"] == 3
    assert last_computed_day(store.engine) == last
    # the rows an incremental run left are those of a full recomputation, every table
    assert_tables_equal(load_tables(store.engine), compute_all(inputs_from_db(store.engine)))
    # and it changes nothing when run again (an empty table in between included)
    again = compute_and_store(store.engine, since=last)
    assert again.rows_written["ind_site_daily"] == 3
    assert_tables_equal(load_tables(store.engine), compute_all(inputs_from_db(store.engine)))


def test_full_recomputation_replaces_every_row(store, world):
    store_days(store, world, range(4), sites=MARKETS)
    compute_and_store(store.engine)
    compute_and_store(store.engine, since=None)
    assert store.row_counts()["ind_site_daily"] == 12
    stored = load_tables(store.engine)
    assert_tables_equal(stored, compute_all(inputs_from_db(store.engine)))
    assert isinstance(stored["ind_site_daily"]["day"].iloc[0], date)


def test_tables_pandas_made_before_migration_0004_are_replaced(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = Store(url)
    old.upgrade("0003")
    with old.engine.begin() as conn:       # what vigie indicators wrote before: pandas' own table, text days
        pd.DataFrame({"day": ["2024-01-01"], "city": ["Liège"], "posts": [1], "adverts": [0],
                      "advert_share": [0.0]}).to_sql("ind_social_adverts", conn, index=False)
    old.upgrade()
    with old.engine.connect() as conn:
        cols = {c["name"]: c["type"] for c in sa.inspect(conn).get_columns("ind_social_adverts")}
        assert isinstance(cols["day"], sa.Date)
        assert conn.execute(sa.text("SELECT count(*) FROM ind_social_adverts")).scalar() == 0
    assert last_computed_day(old.engine) is None       # the next `vigie indicators` recomputes all days
    old.dispose()


def test_a_since_that_is_not_a_date_is_a_clear_error(store):
    with pytest.raises(TypeError, match="since must be a date"):
        compute_and_store(store.engine, since="2024-01-01")


def test_cli_rejects_a_bad_since_date_without_a_traceback(tmp_path):
    from crawler.cli import app
    result = CliRunner().invoke(app, ["indicators", "--db", f"sqlite:///{tmp_path / 'v.db'}", "--since", "31/12/2024"])
    assert result.exit_code == 2
    assert "--since" in result.output and "ISO date" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_computation_missing_a_required_column_is_a_clear_error(store, monkeypatch):
    import crawler.indicators.store as ind_store
    real = ind_store.compute_all

    def broken(inputs, config):
        tables = real(inputs, config)
        tables["ind_closures"] = pd.DataFrame([{"site": "bazaar"}])
        return tables
    monkeypatch.setattr(ind_store, "compute_all", broken)
    with pytest.raises(ValueError, match="ind_closures.*closed_on"):
        compute_and_store(store.engine)
    assert store.row_counts()["ind_site_daily"] == 0          # one transaction: nothing half-written
