"""Account records for the linkage, read from the database.

Every version of an account contributes (all PGP fingerprints it ever showed, all
contacts and ships-from places); the profile text is the latest one; listings give the
category mix, ships-from places and unit prices.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crawler.linkage.features import AccountRecord


def records_from_db(engine: Engine) -> tuple[list[AccountRecord], dict[str, str]]:
    """Returns (records, account_id by record key)."""
    records: dict[str, AccountRecord] = {}
    ids: dict[str, str] = {}
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT a.account_id, a.site_id, a.handle, v.pgp_fingerprint, v.pgp_user_ids, v.contacts, "
            "v.profile_text, v.ships_from, v.valid_from "
            "FROM vendor_accounts a JOIN vendor_versions v ON v.account_id = a.account_id "
            "ORDER BY a.account_id, v.valid_from")).mappings()
        by_account: dict[str, str] = {}
        for r in rows:
            key = f"{r['site_id']}:{r['handle']}"
            rec = records.get(key)
            if rec is None:
                rec = records[key] = AccountRecord(site=r["site_id"], handle=r["handle"])
                ids[key] = r["account_id"]
                by_account[r["account_id"]] = key
            if r["pgp_fingerprint"] and r["pgp_fingerprint"] not in rec.pgp_fingerprints:
                rec.pgp_fingerprints.append(r["pgp_fingerprint"])
            rec.pgp_user_ids = sorted(set(rec.pgp_user_ids) | set(_json(r["pgp_user_ids"]) or []))
            rec.contacts = sorted(set(rec.contacts) | {f"{k}:{v}" for k, v in (_json(r["contacts"]) or [])})
            rec.profile_text = r["profile_text"] or rec.profile_text
            rec.ships_from = sorted(set(rec.ships_from) | {c for c in (r["ships_from"] or "").split(",") if c})
        listings = conn.execute(sa.text(
            "SELECT lv.vendor_account_id, lv.category, lv.ships_from, lv.unit_price_eur "
            "FROM listing_versions lv")).all()
        for account_id, category, ships_from, unit_price in listings:
            key = by_account.get(account_id)
            if key is None:
                continue
            rec = records[key]
            if category and category not in rec.categories:
                rec.categories.append(category)
            if ships_from and ships_from not in rec.ships_from:
                rec.ships_from.append(ships_from)
            if unit_price is not None:
                prices = rec.unit_prices.setdefault(category, [])
                if len(prices) < 20:
                    prices.append(float(unit_price))
    return list(records.values()), ids


def _json(value):
    if isinstance(value, str):
        import json
        return json.loads(value)
    return value
