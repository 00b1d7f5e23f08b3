"""Per-site leases in the database: one crawl of a site at a time, everywhere.

A lease is a ``site_leases`` row (site, owner, expiry).  Taking it is a single atomic
``INSERT ... ON CONFLICT DO UPDATE ... WHERE expired OR mine RETURNING`` (SQLite ≥ 3.35 and
PostgreSQL): it returns a row only for the process that got the lease.  Its time to live
covers the run's hard time limit plus the kill grace, so a holder that died (machine lost)
frees the site when the expiry passes; a holder that finishes releases it at once.  A
holder on this host whose process no longer exists (a scheduler killed with SIGKILL; its
crawl child dies with it, ``crawler.run.exit_with_parent``) is taken over at once.
"""
from __future__ import annotations

import os
import socket
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storage.db import run_in_transaction
from storage.models import SiteLease

LEASES = SiteLease.__table__


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def new_owner() -> str:
    """``host:pid:random`` — unique per holder, readable in ``vigie runs`` and the logs."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _upsert(conn):
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(LEASES)


def is_dead_local_owner(owner: str) -> bool:
    """True when ``owner`` (``host:pid:random``) is a process of this host that no longer exists."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:                  # exists, another user's
        return False
    return False


def acquire(engine: Engine, site: str, owner: str, ttl: float, now: datetime | None = None) -> bool:
    """Take (or renew) the lease of ``site`` for ``ttl`` seconds; False when another owner
    holds an unexpired lease (unless that owner is a dead process of this host)."""
    now = now or utcnow()

    def work(conn) -> bool:
        current = conn.execute(sa.select(LEASES.c.owner).where(LEASES.c.site_id == site)).scalar()
        free = [LEASES.c.expires_at <= now, LEASES.c.owner == owner]
        if current and current != owner and is_dead_local_owner(current):
            free.append(LEASES.c.owner == current)
        stmt = _upsert(conn).values(site_id=site, owner=owner, acquired_at=now,
                                    expires_at=now + timedelta(seconds=ttl))
        stmt = stmt.on_conflict_do_update(
            index_elements=["site_id"],
            set_={"owner": stmt.excluded.owner, "acquired_at": stmt.excluded.acquired_at,
                  "expires_at": stmt.excluded.expires_at},
            where=sa.or_(*free))
        return conn.execute(stmt.returning(LEASES.c.owner)).first() is not None

    return run_in_transaction(engine, work)


def release(engine: Engine, site: str, owner: str) -> bool:
    """Give the lease back (only its owner can); True when it was held by ``owner``."""
    def work(conn) -> bool:
        return conn.execute(sa.delete(LEASES).where(LEASES.c.site_id == site, LEASES.c.owner == owner)).rowcount > 0
    return run_in_transaction(engine, work)


def holder(engine: Engine, site: str) -> tuple[str, datetime] | None:
    """The current (owner, expires_at) of ``site``'s lease, if any unexpired."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(LEASES.c.owner, LEASES.c.expires_at)
                           .where(LEASES.c.site_id == site, LEASES.c.expires_at > utcnow())).first()
    return (row.owner, row.expires_at) if row else None


@contextmanager
def site_lease(engine: Engine, site: str, ttl: float, owner: str | None = None) -> Iterator[bool]:
    """``with site_lease(engine, site, ttl) as got:`` — ``got`` is False when the site is
    busy; the lease is released on exit when it was taken."""
    owner = owner or new_owner()
    got = acquire(engine, site, owner, ttl)
    try:
        yield got
    finally:
        if got:
            release(engine, site, owner)
