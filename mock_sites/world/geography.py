"""Where actors live and ship: home-country shares and shipping policies."""
from __future__ import annotations

import random

from mock_sites.world.rng import weighted

# Shares of actors by home country (Belgium ~1%: the literature gives 0.4%-1.3%).
HOME_SHARES = {
    "US": 30.0, "GB": 12.0, "DE": 12.0, "NL": 10.0, "AU": 5.0, "FR": 4.0, "CA": 4.0, "ES": 2.8,
    "IT": 2.5, "PL": 2.5, "BE": 1.0, "SE": 2.0, "AT": 1.5, "CZ": 1.5, "DK": 1.2, "CH": 1.2,
    "PT": 1.0, "IE": 1.0, "FI": 0.8, "NO": 0.8, "CN": 1.2, "IN": 1.0, "CO": 0.6, "BR": 0.6,
    "ZA": 0.4, "RS": 0.4,
}
EU = {"AT", "BE", "CZ", "DE", "DK", "ES", "FI", "FR", "IE", "IT", "NL", "PL", "PT", "SE"}
EUROPE = EU | {"GB", "CH", "NO", "RS"}
NEIGHBOURS = {
    "NL": ("BE", "DE"), "BE": ("NL", "FR", "DE"), "DE": ("NL", "AT", "PL", "CZ"), "FR": ("BE", "ES", "DE"),
    "GB": ("IE",), "ES": ("PT", "FR"), "IT": ("FR", "AT"), "PL": ("DE", "CZ"), "US": ("CA",),
    "CA": ("US",), "AU": (), "AT": ("DE", "CZ"), "CZ": ("DE", "PL", "AT"),
}
ANGLO = ("US", "GB", "AU", "CA")
LANGUAGE = {"FR": "fr", "BE": "fr", "NL": "nl", "DE": "de", "AT": "de", "CH": "de"}


def language_of(country: str, rng: random.Random) -> str:
    if country == "BE":
        return weighted(rng, ("nl", "fr", "en"), (45, 35, 20))
    lang = LANGUAGE.get(country, "en")
    return lang if rng.random() < 0.7 else "en"


def second_origin(home: str, rng: random.Random) -> str:
    """Another country a multi-origin actor ships from (neighbours first)."""
    options = NEIGHBOURS.get(home) or ("NL", "DE")
    return rng.choice(options)


def shipping_policy(home: str, rng: random.Random) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(ships_to, excludes) for one account's listings."""
    if home in ("US", "AU", "CA") and rng.random() < 0.8:
        return (home,), ()
    roll = rng.random()
    if roll < 0.45:
        ships_to: tuple[str, ...] = ("WORLDWIDE",)
    elif roll < 0.65:
        ships_to = ("EUROPE",)
    elif roll < 0.82:
        ships_to = ("EU",)
    else:
        ships_to = tuple(sorted({home, *NEIGHBOURS.get(home, ())}))
    excludes: tuple[str, ...] = ()
    ex = rng.random()
    if ships_to[0] == "WORLDWIDE" and ex < 0.3:
        excludes = tuple(c for c in ANGLO if c != home)
    elif home == "BE" and ex < 0.5:
        excludes = ("NL",)
    elif ex < 0.08:
        excludes = tuple(sorted(rng.sample(["US", "AU", "NL", "SE", "NO"], 2)))
    return ships_to, tuple(c for c in excludes if c not in ships_to)
