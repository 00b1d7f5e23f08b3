"""Compute the indicators from the database and write them back as ``ind_*`` tables.

The tables are derived data: ``compute_and_store`` recomputes from the whole history
(``new``, ``disappeared`` and migrations need it) and replaces the rows of the days it
is asked for (``since``: incremental; ``None``: all of them).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crawler.indicators import IndicatorConfig, compute_all
from crawler.indicators.from_db import inputs_from_db

DAY_COLUMN = {"ind_site_daily": "day", "ind_vendors_by_country": "day", "ind_unit_prices": "day",
              "ind_multi_origin": "day", "ind_social_adverts": "day"}


@dataclass
class IndicatorRun:
    tables: dict[str, pd.DataFrame]
    rows_written: dict[str, int]


def last_computed_day(engine: Engine) -> date | None:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("ind_site_daily"):
            return None
        value = conn.execute(sa.text("SELECT max(day) FROM ind_site_daily")).scalar()
    return pd.Timestamp(value).date() if value is not None else None


def compute_and_store(engine: Engine, config: IndicatorConfig = IndicatorConfig(),
                      since: date | None = None) -> IndicatorRun:
    tables = compute_all(inputs_from_db(engine), config)
    written: dict[str, int] = {}
    with engine.begin() as conn:
        insp = sa.inspect(conn)
        for name, frame in tables.items():
            day_col = DAY_COLUMN.get(name)
            exists = insp.has_table(name)
            if since is not None and day_col and exists:
                part = frame[frame[day_col] >= since] if not frame.empty else frame
                conn.execute(sa.text(f"DELETE FROM {name} WHERE {day_col} >= :since"), {"since": since})
                if not part.empty:
                    part.to_sql(name, conn, if_exists="append", index=False)
                written[name] = len(part)
            else:
                if exists:
                    conn.execute(sa.text(f"DELETE FROM {name}"))
                    if not frame.empty:
                        frame.to_sql(name, conn, if_exists="append", index=False)
                else:
                    frame.to_sql(name, conn, if_exists="replace", index=False)
                written[name] = len(frame)
    return IndicatorRun(tables, written)


def load_tables(engine: Engine) -> dict[str, pd.DataFrame]:
    """The stored indicator tables (for the report)."""
    from crawler.indicators.frames import IndicatorInputs  # noqa: F401  (documented columns)
    out = {}
    with engine.connect() as conn:
        insp = sa.inspect(conn)
        for name in ("ind_site_daily", "ind_vendors_by_country", "ind_unit_prices", "ind_multi_origin",
                     "ind_relocations", "ind_closures", "ind_migrations", "ind_social_adverts", "ind_social_contacts"):
            out[name] = pd.read_sql(f"SELECT * FROM {name}", conn) if insp.has_table(name) else pd.DataFrame()
    for frame in out.values():
        for col in ("day", "closed_on", "first_seen", "first_day", "last_day"):
            if col in frame.columns:
                frame[col] = pd.to_datetime(frame[col]).dt.date
    return out
