"""Configuration of the mock world: seed, size, period, events and faults.

Everything the simulation does follows from a ``WorldConfig``: two worlds built from
equal configs are identical, byte for byte, in every truth export.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

MARKETS = ("bazaar", "nocturne", "vault")
SITES = MARKETS + ("feed",)


@dataclass(frozen=True)
class Faults:
    """Per-site faults on demand (rates are probabilities per request, seeded)."""
    error_rate: float = 0.0        # 5xx responses
    slow_rate: float = 0.0         # responses delayed by slow_seconds
    slow_seconds: float = 5.0
    truncate_rate: float = 0.0     # body cut short (Content-Length kept)
    drop_rate: float = 0.0         # connection closed without a response
    malformed_rate: float = 0.0    # HTML with unclosed tags and garbage


@dataclass(frozen=True)
class WorldConfig:
    seed: int = 7
    days: int = 90
    n_actors: int = 240
    start_date: date = date(2018, 11, 1)
    # events (day numbers; None disables)
    exit_site: str | None = "bazaar"          # exit scam: the site is gone from exit_day on
    exit_day: int | None = 40
    migration_share: float = 0.6              # share of the exit site's actors who open accounts elsewhere
    migration_window: int = 10                # they appear within this many days
    takedown_site: str | None = "vault"       # seizure banner from takedown_day on
    takedown_day: int | None = 56
    downtime: dict[str, tuple[int, ...]] = field(default_factory=lambda: {"nocturne": (10,), "vault": (33,)})
    layout_change: dict[str, int] = field(default_factory=lambda: {"bazaar": 20})
    captcha_days: dict[str, tuple[int, ...]] = field(default_factory=lambda: {"vault": (25,)})
    relocation_day: int | None = 50           # some NL actors move their ships-from to BE
    # the login site
    vault_username: str = "vigie-test"
    vault_password: str = "correct horse battery staple"
    session_max_requests: int = 150           # a session expires after this many requests
    rate_limit_per_second: float = 40.0       # above it: 429 with Retry-After
    # feed
    posts_per_day: int = 120
    faults: dict[str, Faults] = field(default_factory=dict)

    def with_(self, **changes) -> "WorldConfig":
        return replace(self, **changes)

    def faults_for(self, site: str) -> Faults:
        return self.faults.get(site, Faults())
