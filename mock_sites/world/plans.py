"""Internal, compact per-entity timelines the day views are computed from.

A plan holds everything about an entity over the whole period (first/last day, key
rotation, relocation, price changes); the state of any day follows from it directly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from mock_sites.world.identity import Style
from mock_sites.world.pgp import PgpKey

NEVER = 1 << 30     # "last day" of something that outlives the period


@dataclass(slots=True)
class ActorPlan:
    index: int
    actor_id: str
    kind: str                          # vendor | impostor
    imitates: str | None
    home: str
    origins: tuple[str, ...]           # ships-from countries (two for multi-origin actors)
    specialities: tuple[str, ...]
    style: Style
    price_level: float
    popularity: float
    quality: float                     # mean feedback rating weight (0 = scammer, 1 = excellent)
    relocation_day: int | None = None
    accounts: list[int] = field(default_factory=list)   # indexes into the account plans

    def origins_on(self, day: int) -> tuple[str, ...]:
        if self.relocation_day is not None and day >= self.relocation_day:
            moved = tuple(dict.fromkeys("BE" if c == "NL" else c for c in self.origins))
            return moved
        return self.origins


@dataclass(slots=True)
class AccountPlan:
    index: int
    site: str
    handle: str
    actor: int                          # index of the actor plan
    opened_day: int
    closed_day: int                     # last visible day (NEVER = open at the end)
    join_date: date
    keys: tuple[tuple[int, PgpKey | None], ...]   # (from day, key), ascending
    contacts: tuple[tuple[str, str], ...]
    profile_before: str
    profile_after: str                  # after the actor's relocation (same text otherwise)
    base_sales: int                     # sales count shown before day 0
    base_rating: Decimal
    copy_of: int | None = None          # a migrant account copies the product lines of this account

    def key_on(self, day: int) -> PgpKey | None:
        current = self.keys[0][1]
        for start, key in self.keys:
            if day >= start:
                current = key
        return current

    def visible(self, day: int) -> bool:
        return self.opened_day <= day <= self.closed_day


class ListingPlan:
    """One listing over its life.  Compact (a world may hold millions): the id is derived
    from the site's running number, prices are whole cents in a flat tuple."""
    __slots__ = ("site", "number", "account", "title", "category", "label", "quantity", "unit", "prices",
                 "currency", "ships_from", "ships_to", "excludes", "first_day", "last_day")

    def __init__(self, site: str, number: int, account: int, title: str, category: str, label: str,
                 quantity: Decimal, unit: str, prices: tuple[int, ...], currency: str, ships_from: str | None,
                 ships_to: tuple[str, ...], excludes: tuple[str, ...], first_day: int, last_day: int):
        self.site, self.number, self.account, self.title = site, number, account, title
        self.category, self.label, self.quantity, self.unit = category, label, quantity, unit
        self.prices = prices          # (from day, price in cents, from day, price in cents, ...), ascending
        self.currency, self.ships_from, self.ships_to, self.excludes = currency, ships_from, ships_to, excludes
        self.first_day, self.last_day = first_day, last_day    # last_day NEVER = still listed at the end

    @property
    def listing_id(self) -> str:
        return listing_id(self.site, self.number)

    def price_on(self, day: int) -> Decimal:
        prices = self.prices
        current = prices[1]
        for k in range(2, len(prices), 2):
            if day >= prices[k]:
                current = prices[k + 1]
        return eur(current)


@lru_cache(maxsize=None)
def eur(cents: int) -> Decimal:
    """A shared Decimal for an amount in cents."""
    return Decimal(cents).scaleb(-2)


def listing_id(site: str, n: int) -> str:
    """The site's external id of its n-th listing (each site has its own id style)."""
    if site == "bazaar":
        return str(100001 + n)
    if site == "nocturne":
        return f"n{(n * 7919 + 12345) % 10_000_000:07d}"
    return f"V-{n + 1:06d}"
