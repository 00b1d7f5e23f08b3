"""Engines: the URL rules, SQLite pragmas and the retry policy shared by all writers."""
from __future__ import annotations

import os
import random
import time
import zlib
from contextlib import contextmanager
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

DEFAULT_URL = "sqlite:///vigie.db"
# PostgreSQL SQLSTATEs worth a retry: serialization failure, deadlock, unique violation
# (a concurrent writer inserted the same key first; the batch is idempotent, so redo it).
RETRY_SQLSTATES = {"40001", "40P01", "23505"}


def resolve_url(url: str | None = None) -> str:
    """``url``, else ``VIGIE_DB_URL``, else ``sqlite:///vigie.db``."""
    return url or os.environ.get("VIGIE_DB_URL") or DEFAULT_URL


def make_engine(url: str | None = None, **kwargs) -> Engine:
    url = resolve_url(url)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if not url.startswith("sqlite"):
        kwargs.setdefault("pool_pre_ping", True)     # survive a server restart between batches
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _sqlite_setup(engine)
    return engine


def _sqlite_setup(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, and ``BEGIN IMMEDIATE`` for write transactions
    (``transaction()``) so that one that reads then writes holds the write lock from its
    start (no lost updates); plain reads use a deferred ``BEGIN`` and never block writers."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None          # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout = 60000")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("vigie_write") else "BEGIN")


def site_lock_key(site: str) -> int:
    """A stable 32-bit key for ``pg_advisory_xact_lock``: writers of one site serialise."""
    return zlib.crc32(f"vigie-site:{site}".encode()) - 2**31


def retryable(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", None)
    state = getattr(orig, "sqlstate", None)
    if state in RETRY_SQLSTATES:
        return True
    text = str(orig or exc).lower()
    return "database is locked" in text or "database is busy" in text


@contextmanager
def transaction(engine: Engine, lock: str | None = None) -> Iterator[Connection]:
    """One transaction; on PostgreSQL it first takes the advisory lock of site ``lock``.
    It does not retry (use ``run_in_transaction`` for that)."""
    with engine.execution_options(vigie_write=True).begin() as conn:
        if lock is not None and conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": site_lock_key(lock)})
        yield conn


def run_in_transaction(engine: Engine, fn, lock: str | None = None, attempts: int = 8):
    """Run ``fn(conn)`` in one transaction (holding the site lock on PostgreSQL), retrying
    the whole transaction on serialization failures, deadlocks and lost insert races."""
    for attempt in range(attempts):
        try:
            with transaction(engine, lock) as conn:
                return fn(conn)
        except DBAPIError as exc:
            if attempt == attempts - 1 or not retryable(exc):
                raise
            time.sleep(min(2.0, 0.05 * 2 ** attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")
