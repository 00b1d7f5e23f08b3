"""Compute the indicators from the database and write them into the ``ind_*`` tables.

The tables are derived data with fixed types (``storage.models.INDICATOR_TABLES``,
migration 0004; columns in docs/schema.md). ``compute_and_store`` recomputes from the
whole history (``new``, ``disappeared`` and migrations need it) and replaces the rows of
the days it is asked for (``since``: incremental; ``None``: all of them). Tables that are
not per day (relocations, closures, migrations, contacts) are always rewritten whole.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crawler.indicators import IndicatorConfig, compute_all
from crawler.indicators.from_db import inputs_from_db
from storage.models import INDICATOR_TABLES

# the per-day tables, whose rows ``since`` selects; the others are rewritten whole
PER_DAY = ("ind_site_daily", "ind_vendors_by_country", "ind_unit_prices", "ind_multi_origin", "ind_social_adverts")
DATE_COLUMNS = ("day", "closed_on", "first_seen", "first_day", "last_day")
CHUNK = 5000


@dataclass
class IndicatorRun:
    tables: dict[str, pd.DataFrame]
    rows_written: dict[str, int]


def last_computed_day(engine: Engine) -> date | None:
    """The last day ``ind_site_daily`` holds (``vigie indicators`` resumes from it)."""
    table = INDICATOR_TABLES["ind_site_daily"]
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(table.name):
            return None
        return conn.execute(sa.select(sa.func.max(table.c.day))).scalar()


def _records(frame: pd.DataFrame, table: sa.Table) -> list[dict]:
    """The frame's rows as plain Python values (NaN and NaT as None) for ``table``'s columns."""
    if frame.empty:
        return []
    cols = [c.name for c in table.columns if c.name in frame.columns]
    missing = [c.name for c in table.columns if c.name not in frame.columns and not c.primary_key
               and not c.nullable]
    if missing:
        raise ValueError(f"indicator table {table.name}: the computation gave no column {missing}")
    part = frame[cols].astype(object)
    return part.where(part.notna(), None).to_dict("records")


def _write(conn, table: sa.Table, frame: pd.DataFrame) -> int:
    rows = _records(frame, table)
    for i in range(0, len(rows), CHUNK):
        conn.execute(table.insert(), rows[i:i + CHUNK])
    return len(rows)


def compute_and_store(engine: Engine, config: IndicatorConfig = IndicatorConfig(),
                      since: date | None = None) -> IndicatorRun:
    """Recompute every indicator; replace every row (``since`` None) or, for the per-day
    tables, the rows of ``since`` and later. One transaction: readers see the old tables
    or the new ones."""
    if since is not None and not isinstance(since, date):
        raise TypeError(f"since must be a date, not {since!r}")
    tables = compute_all(inputs_from_db(engine), config)
    written: dict[str, int] = {}
    with engine.begin() as conn:
        for name, frame in tables.items():
            table = INDICATOR_TABLES[name]
            if since is not None and name in PER_DAY:
                conn.execute(table.delete().where(table.c.day >= since))
                frame = frame[frame["day"] >= since] if not frame.empty else frame
            else:
                conn.execute(table.delete())
            written[name] = _write(conn, table, frame)
    return IndicatorRun(tables, written)


def load_tables(engine: Engine) -> dict[str, pd.DataFrame]:
    """The stored indicator tables (for the report), without their surrogate ``id``."""
    out = {}
    with engine.connect() as conn:
        insp = sa.inspect(conn)
        for name, table in INDICATOR_TABLES.items():
            cols = [c for c in table.columns if c.name != "id"]
            out[name] = (pd.read_sql(sa.select(*cols), conn) if insp.has_table(name)
                         else pd.DataFrame(columns=[c.name for c in cols]))
    for frame in out.values():
        for col in DATE_COLUMNS:
            if col in frame.columns:
                frame[col] = pd.to_datetime(frame[col]).dt.date
    return out
