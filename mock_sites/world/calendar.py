"""The world's calendar: each site's status and layout per day, and the day's events."""
from __future__ import annotations

from decimal import Decimal

from mock_sites.world.config import SITES, WorldConfig
from mock_sites.world.model import Event, SiteState

CURRENCY = {"bazaar": "BTC", "nocturne": "XMR", "vault": "EUR", "feed": "EUR"}


def status(config: WorldConfig, site: str, day: int) -> str:
    if site == config.exit_site and config.exit_day is not None and day >= config.exit_day:
        return "exited"
    if site == config.takedown_site and config.takedown_day is not None and day >= config.takedown_day:
        return "takedown"
    if day in config.downtime.get(site, ()):
        return "down"
    if day in config.captcha_days.get(site, ()):
        return "captcha"
    return "up"


def has_data(config: WorldConfig, site: str, day: int) -> bool:
    """Whether the site still holds its data that day (down and CAPTCHA days do)."""
    return status(config, site, day) not in ("exited", "takedown")


def sells(config: WorldConfig, site: str, day: int) -> bool:
    """Whether buyers can order that day (not when the site is down or gone)."""
    return status(config, site, day) in ("up", "captcha")


def layout(config: WorldConfig, site: str, day: int) -> str:
    change = config.layout_change.get(site)
    return "v2" if change is not None and day >= change else "v1"


def site_state(config: WorldConfig, site: str, day: int, rates: dict[str, list[Decimal]]) -> SiteState:
    currency = CURRENCY[site]
    rate = rates[currency][day] if currency in rates else None
    return SiteState(site, status(config, site, day), layout(config, site, day), currency, rate)


def calendar_events(config: WorldConfig, day: int) -> list[Event]:
    """Site-level events of the day (exit, takedown, downtime, CAPTCHA, layout change)."""
    out = []
    if config.exit_site and config.exit_day == day:
        out.append(Event(day, config.exit_site, "exit"))
    if config.takedown_site and config.takedown_day == day:
        out.append(Event(day, config.takedown_site, "takedown"))
    for site in SITES:
        if day in config.downtime.get(site, ()):
            out.append(Event(day, site, "downtime"))
        if day in config.captcha_days.get(site, ()):
            out.append(Event(day, site, "captcha"))
        if config.layout_change.get(site) == day:
            out.append(Event(day, site, "layout_change", (("layout", "v2"),)))
    return out
