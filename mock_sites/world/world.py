"""``World(config)``: the simulation, with one ``DayView`` per simulated day.

Building a world plans every entity's timeline once (cast, listings, rates); a day view
is then computed from the plans for that day only, plus counter-based daily draws
(sales, feedback, posts).  The last two views and the recent days' feedback and posts
are cached.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

import numpy as np

from mock_sites.world import calendar, feed
from mock_sites.world.cast import build_cast
from mock_sites.world.config import MARKETS, SITES, WorldConfig
from mock_sites.world.listings import plan_listings
from mock_sites.world.model import Account, Actor, DayView, Event, Feedback, Listing, Post
from mock_sites.world.money import price_shown, rate_walk
from mock_sites.world.plans import NEVER
from mock_sites.world.reviews import FeedbackWriter
from mock_sites.world.sales import SalesModel, expected_rating

CENT = Decimal("0.01")
FEEDBACK_DAYS = 30     # sites show the feedback of the last 30 days
POST_DAYS = 7          # the feed shows the last 7 days


class World:
    def __init__(self, config: WorldConfig | None = None):
        self.config = config = config or WorldConfig()
        cast = build_cast(config)
        self._actors, self._accounts = cast.actors, cast.accounts
        self._events: dict[int, list[Event]] = defaultdict(list)
        for event in cast.events:
            self._events[event.day].append(event)
        self._listings, rates = plan_listings(config, cast.actors, cast.accounts)
        self._rates = {c: rate_walk(config.seed, c, config.days) for c in ("BTC", "XMR")}
        selling = {s: [calendar.sells(config, s, d) for d in range(config.days)] for s in MARKETS}
        self._sales = SalesModel(config.seed, self._listings, rates, len(self._accounts), config.days, selling)
        self._mean_rating = [expected_rating(a.quality)[2] for a in self._actors]
        self._reviews = FeedbackWriter(config, self._listings, self._accounts, self._actors)
        contacts = sorted({c for acc in self._accounts for c in acc.contacts})
        self._dealers = feed.dealers(config, contacts)
        self.actors: list[Actor] = [self._actor(a) for a in self._actors]
        self._view = lru_cache(maxsize=2)(self._build_view)
        self._day_feedback = lru_cache(maxsize=FEEDBACK_DAYS + 2)(self._feedback_of_day)
        self._day_posts = lru_cache(maxsize=POST_DAYS + 2)(lambda d: feed.day_posts(config, d, self._dealers))

    # -- public ------------------------------------------------------------------------------
    def day_view(self, day: int) -> DayView:
        if not 0 <= day < self.config.days:
            raise ValueError(f"day must be in 0..{self.config.days - 1}, not {day}")
        return self._view(day)

    @property
    def n_listings(self) -> int:
        """Listings over the whole period (all sites)."""
        return len(self._listings)

    # -- building blocks ---------------------------------------------------------------------
    def _actor(self, plan) -> Actor:
        accounts = sorted((self._accounts[j] for j in plan.accounts), key=lambda a: (a.opened_day, a.site))
        return Actor(plan.actor_id, plan.kind, plan.imitates, plan.home, plan.specialities,
                     tuple((a.site, a.handle) for a in accounts))

    def _has_data(self, day: int) -> dict[str, bool]:
        return {s: calendar.has_data(self.config, s, day) for s in SITES}

    def _build_view(self, day: int) -> DayView:
        c = self.config
        data = self._has_data(day)
        sites = {s: calendar.site_state(c, s, day, self._rates) for s in SITES}
        events = sorted(calendar.calendar_events(c, day) + self._events.get(day, []),
                        key=lambda e: (e.kind, e.site or "", e.detail))
        accounts = self._accounts_on(day, data)
        visible = {(a.site, a.handle) for a in accounts}
        actor_ids = {a.actor_id for a in accounts}
        feedback = [f for t in range(max(0, day - FEEDBACK_DAYS + 1), day + 1) for f in self._day_feedback(t)
                    if (f.site, f.vendor) in visible]
        posts = [p for t in range(max(0, day - POST_DAYS + 1), day + 1) for p in self._day_posts(t)] \
            if data["feed"] else []
        now = datetime.combine(c.start_date + timedelta(days=day), time(12), tzinfo=timezone.utc)
        return DayView(c.seed, day, c.start_date + timedelta(days=day), now, sites, events,
                       [a for a in self.actors if a.actor_id in actor_ids], accounts,
                       self._listings_on(day, data, sites), feedback, posts,
                       {"rates_eur": {k: v[day] for k, v in self._rates.items()}})

    def _accounts_on(self, day: int, data: dict[str, bool]) -> list[Account]:
        totals = self._sales.account_totals(day)
        out = []
        for acc in self._accounts:
            if not (data[acc.site] and acc.visible(day)):
                continue
            actor = self._actors[acc.actor]
            sold = int(totals[acc.index])
            prior = max(acc.base_sales, 5)
            rating = (float(acc.base_rating) * prior + self._mean_rating[acc.actor] * sold) / (prior + sold)
            key = acc.key_on(day)
            out.append(Account(
                acc.site, acc.handle, actor.actor_id, acc.opened_day,
                None if acc.closed_day >= NEVER else acc.closed_day, acc.join_date,
                Decimal(f"{min(5.0, rating):.2f}"), acc.base_sales + sold,
                key.fingerprint if key else None, key.armoured if key else None, acc.contacts,
                acc.profile_after if actor.relocation_day is not None and day >= actor.relocation_day
                else acc.profile_before, actor.origins_on(day)))
        return out

    def _listings_on(self, day: int, data: dict[str, bool], sites: dict) -> list[Listing]:
        s = self._sales
        present = np.array([data[site] for site in sorted(MARKETS)], dtype=bool)
        mask = (s.first <= day) & (day <= s.last) & present[s.site]   # s.site indexes sorted(MARKETS)
        out = []
        for i in np.flatnonzero(mask):
            plan = self._listings[i]
            actor = self._actors[self._accounts[plan.account].actor]
            price = plan.price_on(day)
            ships_from = plan.ships_from
            if ships_from == "NL" and actor.relocation_day is not None and day >= actor.relocation_day:
                ships_from = "BE"
            rate = self._rates.get(plan.currency, [None] * (day + 1))[day]
            out.append(Listing(
                plan.site, plan.listing_id, self._accounts[plan.account].handle, plan.title, plan.category,
                plan.label, price, plan.currency, price_shown(price, plan.currency, plan.site, rate),
                plan.quantity, plan.unit, (price / plan.quantity).quantize(CENT, ROUND_HALF_EVEN),
                ships_from, plan.ships_to, plan.excludes, plan.first_day,
                None if plan.last_day >= NEVER else plan.last_day))
        return out

    def _feedback_of_day(self, day: int) -> list[Feedback]:
        return self._reviews.day(day, self._sales.counts(day))

    def posts_of_day(self, day: int) -> list[Post]:
        return self._day_posts(day)
