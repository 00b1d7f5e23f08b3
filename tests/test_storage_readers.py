"""What downstream readers get: exports, the read-only role, the CLI, quarantine, privacy."""
from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from storage import Store
from storage.cli import app, export_app
from storage.export import pseudonym
from storage.views import VIEW_COLUMNS
from tests.test_storage_support import (crawl, day_at, feedback, listing, post, quarantined, rows, scalar,  # noqa: F401,E501
                                        store, store_url, vendor)

BUYER = "Buyer_Alice_Secret"


def populate(store):
    crawl(store, 0, [listing("1", 0), listing("2", 0), vendor("DutchMasters", 0), feedback("f1", 0),
                     post("p1", 0, site="bazaar")])
    crawl(store, 1, [listing("1", 1, price_eur=Decimal("50")), vendor("DutchMasters", 1)], status="partial")


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_writes_every_view_with_its_contract_columns(store, tmp_path, fmt):
    populate(store)
    result = CliRunner().invoke(export_app, ["--format", fmt, "--out", str(tmp_path / "out"), "--db", store.url])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["schema"]["views_version"] == "1"
    read = pq.read_table if fmt == "parquet" else pacsv.read_csv
    daily = read(tmp_path / "out" / f"v_listing_daily.{fmt}")
    assert daily.column_names == list(VIEW_COLUMNS["v_listing_daily"])
    assert daily.num_rows == manifest["views"]["v_listing_daily"]["rows"] == 4
    assert sorted(daily.column("vendor").to_pylist()) == ["DutchMasters"] * 4
    assert read(tmp_path / "out" / f"v_actor_accounts.{fmt}").num_rows == 0


def test_export_pseudonymises_vendor_handles(store, tmp_path, monkeypatch):
    populate(store)
    monkeypatch.setenv("TEST_KEY", "s3cret")
    result = CliRunner().invoke(export_app, ["--out", str(tmp_path), "--db", store.url,
                                             "--pseudonymise-vendors", "--key-env", "TEST_KEY"])
    assert result.exit_code == 0, result.output
    expected = pseudonym(b"s3cret", "DutchMasters")
    for view, col in (("v_listing_daily", "vendor"), ("v_vendor_daily", "handle"), ("v_feedback", "vendor")):
        assert set(pq.read_table(tmp_path / f"{view}.parquet").column(col).to_pylist()) == {expected}
    for path in tmp_path.glob("*.parquet"):
        assert b"DutchMasters" not in path.read_bytes() and b"dutchmasters" not in path.read_bytes()
    missing = CliRunner().invoke(export_app, ["--out", str(tmp_path), "--db", store.url,
                                              "--pseudonymise-vendors", "--key-env", "UNSET_KEY_VAR"])
    assert missing.exit_code != 0


def test_cli_upgrade_creates_the_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = CliRunner().invoke(app, ["upgrade", "--db", url])
    assert result.exit_code == 0, result.output
    assert Store(url).schema_info()["views_version"] == "1"


def test_quarantine_keeps_reason_and_provenance_once(store):
    run = store.start_run("bazaar", "bazaar", day_at(0))
    q = [quarantined("9", 0), quarantined("10", 0, reason="quantity: unknown unit 'kilo'")]
    assert store.write_quarantine(run, q) == 2
    assert store.write_quarantine(run, q) == 0       # idempotent per run
    store.finish_run(run, "complete")
    got = rows(store, "SELECT reason, url, warc_record_id, page_sha256, kind FROM quarantine ORDER BY id")
    assert got[1][0] == "quantity: unknown unit 'kilo'"
    assert got[0][1].endswith("/listing/9") and got[0][2].startswith("<urn:uuid:") and len(got[0][3]) == 64
    assert scalar(store, "SELECT n_quarantined FROM crawl_runs") == 2


def test_buyer_names_never_reach_the_database_file(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'privacy.db'}")
    store.upgrade()
    run = store.start_run("bazaar", "bazaar", day_at(0))
    store.write_items(run, [feedback("f1", 0, buyer_hash=pseudonym(b"buyer-key", BUYER))])
    store.write_quarantine(run, [quarantined("f2", 0, reason="posted: unparseable date",
                                             raw={"buyer": BUYER, "posted_text": "sometime", "text": "ok"})])
    store.finish_run(run, "complete")
    store.dispose()
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("privacy.db*"))
    assert b"posted: unparseable date" in blob         # the file is readable as bytes...
    assert BUYER.encode() not in blob and BUYER.lower().encode() not in blob   # ...and holds no buyer name


@pytest.mark.reliability
@pytest.mark.postgres
def test_reader_role_can_read_and_change_nothing(pg_url, tmp_path, monkeypatch):
    from tests.test_storage_support import pg_schema_url
    schema, role = f"t_{uuid.uuid4().hex[:12]}", f"vigie_reader_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = pg_schema_url(pg_url, schema)
    try:
        store = Store(url)
        store.upgrade()
        populate(store)
        monkeypatch.setenv("READER_PW", "pw-" + uuid.uuid4().hex)
        result = CliRunner().invoke(app, ["create-reader-role", "--db", url, "--role", role,
                                          "--password-env", "READER_PW"])
        assert result.exit_code == 0, result.output
        reader = sa.create_engine(sa.make_url(url).set(username=role, password="unused-with-trust-auth"))
        with reader.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM v_listing_daily")).scalar() == 4
            assert conn.execute(sa.text("SELECT count(*) FROM listing_versions")).scalar() == 3
        for stmt in ("INSERT INTO sites (site_id, first_seen_at) VALUES ('x', now())",
                     "UPDATE listing_versions SET price_eur = 1", "DELETE FROM feedback",
                     "TRUNCATE crawl_runs CASCADE", "CREATE TABLE evil (x int)"):
            with reader.connect() as conn, pytest.raises(sa.exc.DBAPIError) as err:
                conn.execute(sa.text(stmt))
            assert err.value.orig.sqlstate in ("42501", "25006"), stmt   # no privilege / read-only
        with reader.connect() as conn:                 # even outside the read-only default
            conn.exec_driver_sql("SET default_transaction_read_only = off")
            conn.commit()
            with pytest.raises(sa.exc.DBAPIError) as err:
                conn.execute(sa.text("DELETE FROM feedback"))
            assert err.value.orig.sqlstate == "42501"
        reader.dispose()
        store.dispose()
        rerun = CliRunner().invoke(app, ["create-reader-role", "--db", url, "--role", role])
        assert rerun.exit_code == 0, rerun.output      # idempotent: updates the existing role
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
            conn.exec_driver_sql(f'DROP OWNED BY "{role}"') if _role_exists(conn, role) else None
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        admin.dispose()


def _role_exists(conn, role: str) -> bool:
    return conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %(r)s", {"r": role}).first() is not None
