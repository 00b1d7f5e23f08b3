"""Migrations are the only way the schema is built, and they build exactly the model."""
from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage import Store
from storage.models import Base
from storage.views import VIEW_COLUMNS
from tests.test_storage_support import store, store_url  # noqa: F401


def schema_diff(store: Store) -> list:
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, Base.metadata)


def snapshot(store: Store) -> dict:
    """Tables, columns (name, type, nullable), indexes, unique constraints and views."""
    with store.engine.connect() as conn:
        insp = sa.inspect(conn)
        tables = {}
        for t in insp.get_table_names():
            tables[t] = {
                "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(t)],
                "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in insp.get_indexes(t)),
                "unique": sorted((u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(t)),
                "fks": sorted((f["name"], tuple(f["constrained_columns"]), f["referred_table"])
                              for f in insp.get_foreign_keys(t)),
            }
        views = {v: [c["name"] for c in insp.get_columns(v)] for v in insp.get_view_names()}
    return {"tables": tables, "views": views}


def test_upgrade_builds_exactly_the_model(store):
    assert schema_diff(store) == []
    assert store.schema_info() == {"schema_version": "5", "views_version": "1"}


def test_fresh_and_stepwise_upgraded_databases_are_identical(store, store_url, tmp_path):
    fresh = snapshot(store)
    store.engine.dispose()
    with store.engine.begin() as conn:              # back to nothing, then one revision at a time
        from alembic import command
        from storage.migrations import alembic_config
        command.downgrade(alembic_config(conn), "base")
    assert snapshot(store)["tables"].keys() <= {"alembic_version"}
    store.upgrade("0001")
    assert "v_listing_daily" not in snapshot(store)["views"]
    store.upgrade("head")
    store.upgrade("head")                           # idempotent
    assert snapshot(store) == fresh
    assert schema_diff(store) == []


def test_views_expose_their_contract_columns(store):
    views = snapshot(store)["views"]
    for name, columns in VIEW_COLUMNS.items():
        assert views[name] == list(columns), name


def test_default_url_is_env_then_local_sqlite(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VIGIE_DB_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert Store().url.endswith("env.db")
    monkeypatch.delenv("VIGIE_DB_URL")
    s = Store()
    assert s.url == "sqlite:///vigie.db"
    s.upgrade()
    assert (tmp_path / "vigie.db").is_file()
    assert s.database_file().resolve() == (tmp_path / "vigie.db").resolve()
    s.dispose()
