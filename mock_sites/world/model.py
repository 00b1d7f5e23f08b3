"""The mock world's ground truth: plain, immutable records.

These dataclasses are the contract between the simulation (``mock_sites.world``),
the web apps that serve it (``mock_sites.sites``) and the tests that compare a crawl
with the truth.  ``DayView`` is everything the world shows on one simulated day;
``vigie mock truth --day N`` writes it as JSON (see docs/mock-world.md).

Conventions
- ``day`` is an int, 0 = ``WorldConfig.start_date``; the simulated clock of a day is
  noon UTC of that date (``DayView.now``).
- Places are ISO 3166-1 alpha-2 codes ("BE", "NL") or one of the region codes in
  ``REGIONS``; ``None`` means undeclared.
- Money in truth is EUR (``Decimal`` with 2 decimals); sites show it in their own currency.
- Buyer names appear in clear only here, in the simulation; the crawler stores keyed hashes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

REGIONS = ("EU", "EUROPE", "WORLDWIDE", "NORTH_AMERICA", "ASIA", "OCEANIA")

CATEGORIES = (
    "cannabis_herb", "cannabis_resin", "cocaine", "mdma", "amphetamine",
    "methamphetamine", "heroin", "ketamine", "lsd", "2cb", "benzodiazepines",
    "prescription_opioids", "nps", "weapons", "other",
)

SITE_STATUSES = ("up", "down", "exited", "captcha", "takedown")


@dataclass(frozen=True, slots=True)
class Actor:
    actor_id: str                 # "A00042": stable across days and seeds of the same config
    kind: str                     # "vendor" | "impostor"
    imitates: str | None          # actor_id an impostor imitates
    home_country: str             # ISO alpha-2
    specialities: tuple[str, ...]  # categories
    accounts: tuple[tuple[str, str], ...]  # (site, handle) over the whole period


@dataclass(frozen=True, slots=True)
class Account:
    site: str
    handle: str                   # as shown on the site; unique per site
    actor_id: str
    opened_day: int
    closed_day: int | None        # last day visible, None = still open at the end
    join_date: date               # as shown on the profile (may precede day 0)
    rating: Decimal               # 0.00–5.00 as of the day
    sales_count: int              # as shown on the profile that day
    pgp_fingerprint: str | None   # 40 upper-case hex (OpenPGP v4), None = no key shown
    pgp_key: str | None           # ASCII-armoured public key block
    contacts: tuple[tuple[str, str], ...]  # (kind, value): kind in telegram|wickr|snapchat|signal|phone|email|session
    profile: str                  # free text shown on the profile
    ships_from: tuple[str, ...]   # places the account ships from that day


@dataclass(frozen=True, slots=True)
class Listing:
    site: str
    listing_id: str               # site's external id, stable
    vendor: str                   # account handle
    title: str
    category: str                 # taxonomy key from CATEGORIES
    category_label: str           # the site's own label or slang ("Weed", "Beuh", "Coke")
    price_eur: Decimal            # price of one offer (quantity × unit price), EUR
    currency: str                 # currency the site shows: "BTC", "XMR" or "EUR"
    price_shown: str              # exactly the price text the site shows
    quantity: Decimal             # amount in one offer
    unit: str                     # "g" | "pill" | "blotter" | "ml" | "unit"
    unit_price_eur: Decimal       # price_eur / quantity, 2 decimals
    ships_from: str | None        # place code or None
    ships_to: tuple[str, ...]     # place codes
    excludes: tuple[str, ...]     # place codes explicitly excluded
    first_day: int
    last_day: int | None


@dataclass(frozen=True, slots=True)
class Feedback:
    site: str
    feedback_id: str              # stable; sites may or may not show it
    listing_id: str
    vendor: str
    posted_on: date
    rating: int                   # 1–5
    text: str
    buyer: str                    # buyer pseudonym in clear (truth only)
    order_eur: Decimal            # the listing's price_eur on posted_on


@dataclass(frozen=True, slots=True)
class Post:
    site: str                     # "feed"
    post_id: str
    author: str
    posted_at: datetime           # UTC
    text: str
    hashtags: tuple[str, ...]     # lower-case, without '#'
    city: str | None              # city keyword the post is about (lower-case)
    contacts: tuple[tuple[str, str], ...]
    is_advert: bool               # labelled drug (or weapon) advert


@dataclass(frozen=True, slots=True)
class Event:
    day: int
    site: str | None
    kind: str       # exit | takedown | downtime | layout_change | captcha | relocation | migration
    detail: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class SiteState:
    site: str
    status: str                   # one of SITE_STATUSES
    layout: str                   # "v1", "v2", ...
    currency: str                 # "BTC" | "XMR" | "EUR"
    rate_eur: Decimal | None      # EUR for one unit of the site's crypto currency that day


@dataclass(slots=True)
class DayView:
    """Everything the world shows on one day (what a perfect crawl of that day finds)."""
    seed: int
    day: int
    date: date
    now: datetime
    sites: dict[str, SiteState]
    events: list[Event]           # events of this day
    actors: list[Actor]
    accounts: list[Account]       # accounts visible this day (on sites that are up)
    listings: list[Listing]       # listings visible this day
    feedback: list[Feedback]      # feedback visible this day (sites show the last 30 days)
    posts: list[Post]             # posts visible this day (the feed shows the last 7 days)
    extra: dict = field(default_factory=dict)
