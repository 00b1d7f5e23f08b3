"""Daily sales per listing, drawn counter-based and vectorised over all listings.

The number of sales of listing ``i`` on day ``t`` is a Poisson draw from a uniform that
depends only on (seed, i, t), so any day is computed without the days before it.  Only
cumulative counters (an account's sales count) add days up, and they are cached.
"""
from __future__ import annotations

import numpy as np

from mock_sites.world.plans import NEVER, ListingPlan
from mock_sites.world.rng import key64, uniforms

MAX_SALES = 8


class SalesModel:
    def __init__(self, seed: int, listings: list[ListingPlan], rates, n_accounts: int, days: int,
                 selling: dict[str, list[bool]]):
        self.key = key64(seed, "sales")
        self.days = days
        self.n_accounts = n_accounts
        sites = sorted(selling)
        site_index = {s: k for k, s in enumerate(sites)}
        self.index = np.arange(len(listings), dtype=np.uint64)
        self.rate = np.asarray(rates, dtype=np.float64)
        self.first = np.fromiter((p.first_day for p in listings), np.int32, len(listings))
        self.last = np.fromiter((min(p.last_day, NEVER) for p in listings), np.int64, len(listings))
        self.site = np.fromiter((site_index[p.site] for p in listings), np.int8, len(listings))
        self.account = np.fromiter((p.account for p in listings), np.int64, len(listings))
        self.selling = np.array([[selling[s][d] for s in sites] for d in range(days)], dtype=bool).reshape(days, len(sites))
        self._cum: dict[int, np.ndarray] = {-1: np.zeros(n_accounts, dtype=np.int64)}

    def counts(self, day: int) -> np.ndarray:
        """Sales of every listing on ``day`` (0 when not listed or the site does not sell)."""
        if not 0 <= day < self.days or len(self.rate) == 0:
            return np.zeros(len(self.rate), dtype=np.int64)
        u = uniforms(self.key, self.index, day)
        lam = self.rate
        term = np.exp(-lam)
        cdf = term.copy()
        out = np.zeros(len(lam), dtype=np.int64)
        for k in range(1, MAX_SALES + 1):
            over = u > cdf
            if not over.any():
                break
            out += over
            term = term * lam / k
            cdf = cdf + term
        active = (self.first <= day) & (day <= self.last) & self.selling[day][self.site]
        return np.where(active, out, 0)

    def account_totals(self, day: int) -> np.ndarray:
        """Sales per account over days 0..day (cumulative, cached)."""
        day = min(day, self.days - 1)
        start = max(d for d in self._cum if d <= day)
        total = self._cum[start]
        for d in range(start + 1, day + 1):
            total = total + np.bincount(self.account, weights=self.counts(d), minlength=self.n_accounts).astype(np.int64)
            if d % 10 == 0 or d == day:
                self._cum[d] = total
        return total


def expected_rating(quality: float) -> tuple[tuple[int, ...], tuple[float, ...], float]:
    """Rating weights (1..5) of a vendor of the given quality and their mean."""
    weights = (0.25 * (1 - quality) + 0.01, 0.1 * (1 - quality) + 0.01, 0.1 * (1 - quality) + 0.03,
               0.2, 0.3 + 0.6 * quality)
    total = sum(weights)
    mean = sum((k + 1) * w for k, w in enumerate(weights)) / total
    return (1, 2, 3, 4, 5), weights, mean

