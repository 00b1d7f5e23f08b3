"""Account records and the true actor of each account, straight from the mock world.

Used to evaluate and benchmark the linkage without crawling: the records hold exactly
what a perfect crawl of the sampled days would have stored.
"""
from __future__ import annotations

from crawler.linkage.features import AccountRecord


def sample_days(n_days: int, every: int = 7) -> list[int]:
    days = list(range(0, n_days, every))
    if n_days - 1 not in days:
        days.append(n_days - 1)
    return days


def records_from_world(world, days: list[int] | None = None) -> tuple[list[AccountRecord], dict[str, str]]:
    """Returns (records, truth) where truth maps account key -> actor_id."""
    days = days if days is not None else sample_days(world.config.days)
    records: dict[str, AccountRecord] = {}
    truth: dict[str, str] = {}
    for day in days:
        view = world.day_view(day)
        for acc in view.accounts:
            key = f"{acc.site}:{acc.handle}"
            rec = records.get(key)
            if rec is None:
                rec = records[key] = AccountRecord(site=acc.site, handle=acc.handle, first_seen_day=day)
                truth[key] = acc.actor_id
            if acc.pgp_fingerprint and acc.pgp_fingerprint not in rec.pgp_fingerprints:
                rec.pgp_fingerprints.append(acc.pgp_fingerprint)
            if acc.pgp_key:
                rec.pgp_user_ids = sorted(set(rec.pgp_user_ids) | set(_user_ids(acc.pgp_key)))
            rec.contacts = sorted(set(rec.contacts) | {f"{k}:{v}" for k, v in acc.contacts})
            rec.profile_text = acc.profile
            rec.ships_from = sorted(set(rec.ships_from) | set(acc.ships_from))
        for lst in view.listings:
            rec = records.get(f"{lst.site}:{lst.vendor}")
            if rec is None:
                continue
            if lst.category not in rec.categories:
                rec.categories.append(lst.category)
            if lst.ships_from and lst.ships_from not in rec.ships_from:
                rec.ships_from.append(lst.ships_from)
            prices = rec.unit_prices.setdefault(lst.category, [])
            if len(prices) < 20:
                prices.append(float(lst.unit_price_eur))
    return list(records.values()), truth


def _user_ids(armoured: str) -> list[str]:
    from crawler.linkage.pgp_uids import user_ids_from_armoured
    return user_ids_from_armoured(armoured)
