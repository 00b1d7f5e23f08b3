"""Helpers for the crawl-run tests: crawl a served mock world for a day through
``crawler.runner.crawl_sites`` (one process per site, as in production), read the storage
views for a day, and build the same rows from the world's truth.  No tests here."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import sqlalchemy as sa

TEST_BUYER_KEY = "vigie-test-buyer-key (tests only)"
CONTENT_TABLES = ("listings", "listing_versions", "vendor_accounts", "vendor_versions", "feedback",
                  "social_posts", "quarantine")


def crawl_clock(config, day: int) -> datetime:
    return datetime.combine(config.start_date + timedelta(days=day), time(12), timezone.utc)


def crawl_day(running, day: int, sites, db_url: str, tmp_path, jobs: int = 2):
    """Set the world to ``day`` and crawl ``sites`` with the crawl clock at noon of that day."""
    from crawler.runner import crawl_sites
    from mock_sites.server import targets_toml
    running.set_day(day)
    targets = tmp_path / "targets.toml"
    if not targets.exists():
        targets.write_text(targets_toml(running))
    config = running.world.config
    env = {"VIGIE_BUYER_KEY": TEST_BUYER_KEY, "VIGIE_VAULT_USER": config.vault_username,
           "VIGIE_VAULT_PASSWORD": config.vault_password}
    return crawl_sites(list(sites), targets, db_url, crawl_clock(config, day), tmp_path / "warc", jobs=jobs,
                       spool_dir=tmp_path / "spool", env=env)


def query(engine, sql: str, **params) -> list[tuple]:
    stmt = sa.text(sql)
    if "d" in params:
        stmt = stmt.bindparams(sa.bindparam("d", type_=sa.Date()))
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(stmt, params).all()]


def content_counts(engine) -> dict[str, int]:
    return {t: query(engine, f"SELECT count(*) FROM {t}")[0][0] for t in CONTENT_TABLES}


# ---------------------------------------------------------------- value normalisation
def dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).normalize()


def day_str(value) -> str | None:
    return None if value is None else str(value)[:10]


def codes(values) -> str:
    return ",".join(sorted(set(values)))


def pairs(value) -> tuple:
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return tuple(sorted(tuple(p) for p in value or ()))


def strings(value) -> tuple:
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return tuple(sorted(value or ()))


def ts(value) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="seconds")


def buyer_hash(buyer: str) -> str:
    return hmac.new(TEST_BUYER_KEY.encode(), buyer.encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- one day, from the views and from the truth
def listings_shown(engine, site: str, day: date) -> dict[str, tuple]:
    rows = query(engine, "SELECT listing_id, vendor, title, category, currency, price_eur, quantity, unit, "
                         "unit_price_eur, ships_from, ships_to, excludes FROM v_listing_daily "
                         "WHERE site = :s AND day = :d", s=site, d=day)
    return {r[0]: (r[1], r[2], r[3], r[4], dec(r[5]), dec(r[6]), r[7], dec(r[8]), r[9], r[10] or "", r[11] or "")
            for r in rows}


def listings_true(view, site: str) -> dict[str, tuple]:
    return {l.listing_id: (l.vendor, l.title, l.category, l.currency, dec(l.price_eur), dec(l.quantity), l.unit,
                           dec(l.unit_price_eur), l.ships_from, codes(l.ships_to), codes(l.excludes))
            for l in view.listings if l.site == site}


def vendors_shown(engine, site: str, day: date) -> dict[str, tuple]:
    rows = query(engine, "SELECT handle, rating, sales_count, join_date, pgp_fingerprint, contacts, profile_text, "
                         "ships_from FROM v_vendor_daily WHERE site = :s AND day = :d", s=site, d=day)
    return {r[0]: (dec(r[1]), r[2], day_str(r[3]), r[4], pairs(r[5]), r[6], r[7] or "") for r in rows}


def canonical_contact(kind: str, value: str) -> tuple[str, str]:
    """A contact as stored: phone numbers in E.164 ("+32 48077250" → "+3248077250")."""
    from crawler.indicators.from_truth import stored_contact
    return kind, stored_contact(kind, value)


def vendors_true(view, site: str, contact=canonical_contact) -> dict[str, tuple]:
    return {a.handle: (dec(a.rating), a.sales_count, day_str(a.join_date), a.pgp_fingerprint,
                       tuple(sorted(contact(k, v) for k, v in a.contacts)), a.profile, codes(a.ships_from))
            for a in view.accounts if a.site == site}


def feedback_shown(engine, site: str) -> list[tuple]:
    rows = query(engine, "SELECT listing_id, vendor, posted_on, rating, text, buyer_hash FROM v_feedback "
                         "WHERE site = :s", s=site)
    return sorted((r[0], r[1], day_str(r[2]), r[3], r[4], r[5]) for r in rows)


def feedback_true(view, site: str) -> list[tuple]:
    return sorted((f.listing_id, f.vendor, day_str(f.posted_on), f.rating, f.text, buyer_hash(f.buyer))
                  for f in view.feedback if f.site == site)


def posts_shown(engine, site: str) -> dict[str, tuple]:
    rows = query(engine, "SELECT post_id, author, posted_at, text, hashtags, contacts, city_keywords, is_advert "
                         "FROM v_social_posts WHERE site = :s", s=site)
    return {r[0]: (r[1], ts(r[2]), r[3], strings(r[4]), pairs(r[5]), strings(r[6]), bool(r[7])) for r in rows}


def posts_true(view, site: str, contact=canonical_contact) -> dict[str, tuple]:
    return {p.post_id: (p.author, ts(p.posted_at), p.text, tuple(sorted(p.hashtags)),
                        tuple(sorted(contact(k, v) for k, v in p.contacts)), (p.city,) if p.city else (),
                        p.is_advert)
            for p in view.posts if p.site == site}
