"""``NormaliseContext``: what normalising an item needs besides the item itself."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from crawler.normalise.money import DEFAULT_MAX_EUR


@dataclass(frozen=True)
class NormaliseContext:
    observed_at: datetime                  # the crawl clock: relative dates count from it
    buyer_key: bytes                       # HMAC key of buyer pseudonyms
    max_price_eur: Decimal = DEFAULT_MAX_EUR   # prices above are quarantined as absurd
    phone_region: str = "FR"               # region of phone numbers written in national form
    future_slack: timedelta = timedelta(minutes=10)   # post times this far after the clock pass
