"""Exchange rates and the exact price text each site shows.

Rates are a seeded daily random walk (BTC ~5,500 EUR and XMR ~100 EUR in Nov 2018).
Crypto amounts are chosen so that ``Decimal(amount) * rate`` rounded half-even to the
cent gives back the listing's EUR price exactly.
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal

from mock_sites.world.rng import rng_for

CENT = Decimal("0.01")
START_RATE = {"BTC": 5500.0, "XMR": 100.0}
VOLATILITY = {"BTC": 0.035, "XMR": 0.045}
DECIMALS = {"BTC": 8, "XMR": 12}


def rate_walk(seed: int, currency: str, days: int) -> list[Decimal]:
    rng = rng_for(seed, "rate", currency)
    value, out = START_RATE[currency] * rng.uniform(0.95, 1.05), []
    for _ in range(days):
        out.append(Decimal(f"{value:.2f}"))
        value *= math.exp(rng.gauss(-0.004, VOLATILITY[currency]))
        value = max(value, START_RATE[currency] * 0.2)
    return out


def crypto_amount(price_eur: Decimal, rate: Decimal, currency: str) -> Decimal:
    """The amount (8 or 12 decimals) whose EUR value rounds back to ``price_eur``."""
    step = Decimal(1).scaleb(-DECIMALS[currency])
    amount = (price_eur / rate).quantize(step, ROUND_HALF_EVEN)
    for _ in range(1000):
        back = (amount * rate).quantize(CENT, ROUND_HALF_EVEN)
        if back == price_eur:
            return amount
        amount += step if back < price_eur else -step
    raise ArithmeticError(f"no {currency} amount for {price_eur} at {rate}")


def european(eur: Decimal) -> str:
    """1234.5 -> "1.234,50 €"."""
    text = f"{eur:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{text} €"


def price_shown(price_eur: Decimal, currency: str, site: str, rate: Decimal | None) -> str:
    if currency in DECIMALS:
        return f"{crypto_amount(price_eur, rate, currency):.{DECIMALS[currency]}f} {currency}"
    if site == "vault":
        return european(price_eur)
    return f"€{price_eur:.2f}"
