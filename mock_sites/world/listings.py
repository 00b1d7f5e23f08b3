"""Listing timelines: what each account offers, from which day to which day, at what price.

Each account has a few "slots"; a slot is a chain of listings (one ends, the next starts a
little later), which gives the daily churn.  Prices change now and then (same listing_id).
Migrant accounts relist the product lines of the account they leave.
"""
from __future__ import annotations

import math
import random
from array import array
from decimal import Decimal

from mock_sites.world import geography
from mock_sites.world.catalogue import (BULK_DISCOUNT, LABELS, PRICE_CAP, PRODUCTS, TITLE_QTY, Product,
                                        quantity_text)
from mock_sites.world.config import WorldConfig
from mock_sites.world.plans import NEVER, AccountPlan, ActorPlan, ListingPlan
from mock_sites.world.rng import rng_for

END_RATE = 0.03            # share of listings ending per day
PRICE_CHANGE_RATE = 0.02   # price changes per listing per day
SALES_PER_DAY = 0.15      # expected sales per listing per day (× vendor popularity) ...
PRICE_REF = 60.0          # ... divided by price / PRICE_REF above it: cheaper offers sell more, so that
                          # >90% of orders are under 200 EUR and ~30% of revenue comes from larger ones
BULK_SHARE = 0.2
TITLE_DECOR = ("", "", "", " - free shipping", " | stealth", " (top quality)", " ★", " - new batch")


def cents(x: float) -> int:
    """EUR amount in whole cents (at least one cent)."""
    return max(1, round(x * 100))


class ProductLine:
    """What a slot sells: a product, a quantity tier and a unit price."""
    __slots__ = ("category", "product", "quantity", "unit_price", "bulk")

    def __init__(self, category: str, product: Product, quantity: float, unit_price: float, bulk: bool):
        self.category, self.product, self.quantity, self.unit_price, self.bulk = \
            category, product, quantity, unit_price, bulk

    @classmethod
    def draw(cls, rng: random.Random, actor: ActorPlan) -> "ProductLine":
        category = rng.choice(actor.specialities)
        product = rng.choice(PRODUCTS[category])
        bulk = bool(product.bulk) and rng.random() < BULK_SHARE
        quantity = rng.choice(product.bulk if bulk else product.retail)
        unit = rng.uniform(*product.price) * actor.price_level * (rng.uniform(*BULK_DISCOUNT) if bulk else 1.0)
        return cls(category, product, quantity, unit, bulk)

    def price(self, site: str, unit_price: float) -> tuple[float, int]:
        """(quantity, price_eur) under the site's cap (smaller quantity when above it)."""
        cap = PRICE_CAP[site]
        options = sorted(set(self.product.retail + self.product.bulk))
        q = self.quantity
        while q * unit_price > cap and options.index(q) > 0:
            q = options[options.index(q) - 1]
        return q, cents(min(q * unit_price, cap))


class _Planner:
    def __init__(self, config: WorldConfig, actors: list[ActorPlan], accounts: list[AccountPlan]):
        self.config, self.actors, self.accounts = config, actors, accounts
        self.counters = {site: 0 for site in PRICE_CAP}
        self.listings: list[ListingPlan] = []
        self.lines_of: dict[int, list[ProductLine]] = {}
        self.strings: dict[str, str] = {}
        self.decimals: dict[str, Decimal] = {}
        self.rates = array("d")         # expected sales per day of each listing

    def intern(self, s: str) -> str:
        return self.strings.setdefault(s, s)

    def decimal(self, text: str) -> Decimal:
        hit = self.decimals.get(text)
        if hit is None:
            hit = self.decimals[text] = Decimal(text)
        return hit

    def slots(self, acc: AccountPlan, rng: random.Random) -> list[ProductLine]:
        actor = self.actors[acc.actor]
        if acc.copy_of is not None and acc.copy_of in self.lines_of:
            return self.lines_of[acc.copy_of]
        hi = 8 if self.config.n_actors >= 100 else 5
        return [ProductLine.draw(rng, actor) for _ in range(rng.randint(2, hi))]

    def plan_account(self, acc: AccountPlan) -> None:
        seed, days = self.config.seed, self.config.days
        rng = rng_for(seed, "listings", acc.index)
        actor = self.actors[acc.actor]
        ships_to, excludes = geography.shipping_policy(actor.home, rng)
        lines = self.slots(acc, rng)
        self.lines_of[acc.index] = lines
        end_of_account = min(acc.closed_day, days - 1)
        for k, line in enumerate(lines):
            start = acc.opened_day
            origin = actor.origins[k % len(actor.origins)]
            while start <= end_of_account:
                life = 1 + int(-math.log(1.0 - rng.random()) / END_RATE)
                end = start + life - 1
                last = NEVER if end >= days - 1 and acc.closed_day == NEVER else min(end, acc.closed_day, days - 1)
                self.add(acc, line, rng, origin, ships_to, excludes, start, last)
                start = end + 1 + rng.randrange(3)
                line = ProductLine.draw(rng, actor) if rng.random() < 0.5 else line

    def add(self, acc: AccountPlan, line: ProductLine, rng: random.Random, origin: str,
            ships_to: tuple, excludes: tuple, first: int, last: int) -> None:
        site = acc.site
        unit_price = line.unit_price * rng.uniform(0.95, 1.05)
        quantity, price = line.price(site, unit_price)
        prices = [first, price]
        day = first
        stop = min(last, self.config.days - 1)
        while True:
            day += 1 + int(-math.log(1.0 - rng.random()) / PRICE_CHANGE_RATE)
            if day > stop:
                break
            unit_price *= rng.uniform(0.85, 1.15)
            prices += [day, cents(min(quantity * unit_price, PRICE_CAP[site]))]
        n = self.counters[site]
        self.counters[site] += 1
        qty = TITLE_QTY[line.product.unit].format(q=quantity_text(quantity))
        title = f"{qty} {line.product.name}{rng.choice(TITLE_DECOR)}"
        currency = {"bazaar": "BTC", "vault": "EUR"}.get(site) or ("XMR" if rng.random() < 0.7 else "EUR")
        popularity = self.actors[acc.actor].popularity
        self.listings.append(ListingPlan(
            site, n, acc.index, self.intern(title), line.category, self.intern(rng.choice(LABELS[site][line.category])),
            self.decimal(quantity_text(quantity)), line.product.unit, tuple(prices), currency, origin, ships_to,
            excludes, max(first, 0), last))
        self.rates.append(SALES_PER_DAY * popularity * min(1.0, PRICE_REF * 100 / price))


def plan_listings(config: WorldConfig, actors: list[ActorPlan],
                  accounts: list[AccountPlan]) -> tuple[list[ListingPlan], array]:
    """Every listing of the period and its expected sales per day."""
    planner = _Planner(config, actors, accounts)
    for acc in sorted(accounts, key=lambda a: (a.copy_of is not None, a.index)):
        planner.plan_account(acc)
    return planner.listings, planner.rates
