"""Validity intervals: turning observations into version rows.

An entity (listing, vendor account) has versions ``[valid_from, valid_to)``; the open one
has ``valid_to IS NULL``. An observation at ``observed_at`` (the run's crawl clock):
- no open version → insert one (``valid_from = observed_at``);
- same ``attrs_hash`` → touch it (``last_seen_at``, ``last_seen_run_id``, last provenance);
- different hash → close the open one at ``observed_at`` and insert a new one; if the open
  one starts at this very instant (same run written twice, or a re-run with the same
  clock) it is rewritten in place instead (last observation wins, no zero-length rows);
- older than the open version (a late replay of an old run) → ignored: history is only
  written forward (see docs/schema.md, "Out-of-order runs").
Closing versions that a complete run did not see is ``close_unseen``.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crawler.items import Provenance

CHUNK = 500


def canonical(value):
    """JSON-ready canonical form: Decimals without trailing zeros, dates ISO, tuples lists."""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text if text != "-0" else "0"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    return value


def attrs_hash(attrs: dict) -> str:
    blob = json.dumps(canonical(attrs), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def provenance_columns(prefix: str, prov: Provenance) -> dict:
    return {f"{prefix}url": prov.url, f"{prefix}warc_record_id": prov.warc_record_id,
            f"{prefix}warc_file": prov.warc_file, f"{prefix}page_sha256": prov.page_sha256}


@dataclass
class Observation:
    key: str                 # listing_uid / account_id
    attrs: dict              # tracked columns (a change makes a new version)
    provenance: Provenance
    first_extra: dict = field(default_factory=dict)   # untracked, kept from the first sighting
    last_extra: dict = field(default_factory=dict)    # untracked, refreshed on every sighting

    @property
    def hash(self) -> str:
        return attrs_hash(self.attrs)


@dataclass
class IntervalStats:
    new: int = 0        # entity seen for the first time (or again after being closed)
    changed: int = 0    # a tracked attribute changed: old version closed, new one opened
    touched: int = 0    # unchanged: last-seen pointers moved
    rewritten: int = 0  # same instant, other values: rewritten in place
    stale: int = 0      # older than the current version: ignored

    def add(self, other: "IntervalStats") -> None:
        for k in self.__dataclass_fields__:
            setattr(self, k, getattr(self, k) + getattr(other, k))


def apply_observations(conn: Connection, table: sa.Table, key_col: str, run_id: int,
                       observed_at: datetime, observations: list[Observation]) -> IntervalStats:
    stats = IntervalStats()
    latest = {o.key: o for o in observations}          # within a batch the last one wins
    key = table.c[key_col]
    current = {}
    keys = sorted(latest)
    for i in range(0, len(keys), CHUNK):
        rows = conn.execute(sa.select(table.c.version_id, key, table.c.attrs_hash, table.c.valid_from,
                                      table.c.last_seen_at)
                            .where(key.in_(keys[i:i + CHUNK]), table.c.valid_to.is_(None))).all()
        current.update({r[1]: r for r in rows})
    inserts, closes, touches, rewrites = [], [], [], []
    for k in keys:
        obs, cur = latest[k], current.get(k)
        seen = {"last_seen_at": observed_at, "last_seen_run_id": run_id,
                **provenance_columns("last_", obs.provenance), **obs.last_extra}
        if cur is None:
            stats.new += 1
            inserts.append(_new_row(obs, key_col, run_id, observed_at, seen))
        elif observed_at < cur.valid_from:
            stats.stale += 1
        elif cur.attrs_hash == obs.hash:
            if observed_at >= cur.last_seen_at:
                stats.touched += 1
                touches.append({"b_id": cur.version_id, **seen})
            else:
                stats.stale += 1
        elif observed_at == cur.valid_from:
            stats.rewritten += 1
            row = _new_row(obs, key_col, run_id, observed_at, seen)
            del row[key_col], row["valid_from"]
            rewrites.append({"b_id": cur.version_id, **row})
        else:
            stats.changed += 1
            closes.append({"b_id": cur.version_id, "b_to": observed_at})
            inserts.append(_new_row(obs, key_col, run_id, observed_at, seen))
    by_id = table.c.version_id == sa.bindparam("b_id")
    if closes:
        conn.execute(sa.update(table).where(by_id).values(valid_to=sa.bindparam("b_to")), closes)
    for batch in (touches, rewrites):
        if batch:
            cols = [c for c in batch[0] if c != "b_id"]
            # bind names must differ from column names in an executemany UPDATE
            params = [{("b_id" if c == "b_id" else f"p_{c}"): v for c, v in row.items()} for row in batch]
            conn.execute(sa.update(table).where(by_id).values({c: sa.bindparam(f"p_{c}") for c in cols}), params)
    if inserts:
        conn.execute(sa.insert(table), inserts)
    return stats


def _new_row(obs: Observation, key_col: str, run_id: int, observed_at: datetime, seen: dict) -> dict:
    return {key_col: obs.key, "attrs_hash": obs.hash, "valid_from": observed_at, "valid_to": None,
            "first_run_id": run_id, **provenance_columns("first_", obs.provenance),
            **obs.attrs, **obs.first_extra, **seen}


def close_unseen(conn: Connection, table: sa.Table, entity: sa.Table, key_col: str, site: str,
                 run_id: int, observed_at: datetime) -> int:
    """A complete run at ``observed_at`` did not see these: their open versions end now.
    Versions opened or seen after ``observed_at`` (a later run) are left alone."""
    owned = sa.select(entity.c[key_col]).where(entity.c.site_id == site)
    result = conn.execute(
        sa.update(table)
        .where(table.c.valid_to.is_(None), table.c[key_col].in_(owned),
               table.c.last_seen_run_id != run_id,
               table.c.valid_from <= observed_at, table.c.last_seen_at <= observed_at)
        .values(valid_to=observed_at))
    return result.rowcount
