"""The inputs every indicator is computed from, as pandas frames with fixed columns.

``IndicatorInputs`` can be filled from the database (``crawler.indicators.from_db``) or
from the mock world's truth (``crawler.indicators.from_truth``); the indicator
functions never know which, so comparing the two is a test of the crawl, the
normalisation and the storage, not of the arithmetic.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

RUN_DAYS = ["site", "day", "partial"]                 # one row per site and crawled day
LISTING_DAYS = ["site", "day", "listing_id", "vendor", "category", "price_eur", "unit",
                "unit_price_eur", "ships_from"]        # what each site showed each crawled day
FEEDBACK = ["site", "feedback_id", "listing_id", "vendor", "posted_on"]
ACTOR_ACCOUNTS = ["site", "handle", "actor_id"]
POSTS = ["post_id", "day", "city", "is_advert"]        # one row per (post, city keyword)
POST_CONTACTS = ["post_id", "day", "kind", "value"]


def empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


@dataclass
class IndicatorInputs:
    run_days: pd.DataFrame
    listing_days: pd.DataFrame
    feedback: pd.DataFrame
    actor_accounts: pd.DataFrame
    posts: pd.DataFrame
    post_contacts: pd.DataFrame

    def __post_init__(self):
        for name, cols in (("run_days", RUN_DAYS), ("listing_days", LISTING_DAYS), ("feedback", FEEDBACK),
                           ("actor_accounts", ACTOR_ACCOUNTS), ("posts", POSTS), ("post_contacts", POST_CONTACTS)):
            frame = getattr(self, name)
            missing = [c for c in cols if c not in frame.columns]
            if missing:
                raise ValueError(f"indicator input {name} lacks columns {missing}")
            frame = frame[cols].copy()
            for c in ("day", "posted_on"):
                if c in frame.columns:
                    frame[c] = pd.to_datetime(frame[c]).dt.date
            setattr(self, name, frame)


@dataclass(frozen=True)
class IndicatorConfig:
    wholesale_threshold_eur: float = 200.0   # orders at or above it count as wholesale
    small_order_eur: float = 200.0           # "share under 200 EUR"
    large_order_eur: float = 1000.0          # "count over 1,000 EUR"
    multi_origin_window_days: int = 30
    relocation_min_days: int = 3             # a new ships-from must hold this many crawled days
    closure_min_days: int = 3                # failed/partial days in a row, to the end, that mean "closed"
    migration_horizon_days: int = 30         # how long after a closure an account counts as a migration
