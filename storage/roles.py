"""A read-only PostgreSQL role for downstream pipelines.

The role gets CONNECT on the database, USAGE on the schema and SELECT on every table and
view in it, plus default privileges so that tables and views created later by the role
that runs this (the one that runs the migrations) are readable too. Its sessions are
read-only by default as well. Nothing else: no INSERT, UPDATE, DELETE, TRUNCATE or DDL.
"""
from __future__ import annotations

from psycopg import sql

from storage.store import Store


def create_reader_role(store: Store, role: str, password: str | None = None) -> str:
    """Create (or bring up to date) ``role``; with a password it can log in. Returns the
    schema it can read. PostgreSQL only."""
    if store.dialect != "postgresql":
        raise ValueError("reader roles exist on PostgreSQL only; for SQLite give readers a copy "
                         "of the file or an export (vigie export)")
    with store.engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        db, schema = conn.exec_driver_sql("SELECT current_database(), current_schema()").one()
        exists = conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %(r)s", {"r": role}).first()
        r, s = sql.Identifier(role), sql.Identifier(schema)
        login = sql.SQL("LOGIN PASSWORD {}").format(sql.Literal(password)) if password else sql.SQL("NOLOGIN")
        statements = [
            sql.SQL("ALTER ROLE {} WITH {}" if exists else "CREATE ROLE {} WITH {}").format(r, login),
            sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(r),
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(db), r),
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(s, r),
            sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(s, r),
            sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(s, r),
            sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT ON TABLES TO {}").format(s, r),
        ]
        for stmt in statements:
            conn.exec_driver_sql(stmt.as_string(raw))
    return schema
