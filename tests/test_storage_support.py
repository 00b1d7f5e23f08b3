"""Shared pieces of the storage tests: a database per test on SQLite and on PostgreSQL
(its own schema in the shared ``test`` database), and item factories.

Test modules import the fixtures: ``from tests.test_storage_support import store, store_url``.
"""
from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from crawler.items import Feedback, Listing, Post, Provenance, Quarantined, Vendor

START = datetime(2026, 1, 1, 12, 0)     # simulated noon UTC of day 0


def day_at(day: int, hour: int = 12) -> datetime:
    return START + timedelta(days=day, hours=hour - 12)


def pg_schema_url(base_url: str, schema: str) -> str:
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    """A fresh, empty database URL: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'vigie.db'}"
        return
    base = request.getfixturevalue("pg_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield pg_schema_url(base, schema)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture
def store(store_url):
    from storage import Store
    s = Store(store_url)
    s.upgrade()
    yield s
    s.dispose()


def prov(kind: str, key: str, day: int) -> Provenance:
    return Provenance(url=f"http://127.0.0.1:8001/{kind}/{key}", fetched_at=day_at(day),
                      warc_record_id=f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{kind}{key}{day}')}>",
                      warc_file=f"run-day{day}.warc.gz",
                      page_sha256=hashlib.sha256(f"{kind}/{key}/{day}".encode()).hexdigest())


def listing(listing_id: str, day: int = 0, site: str = "bazaar", **changes) -> Listing:
    values = dict(listing_id=listing_id, title=f"10g MDMA {listing_id}", vendor="DutchMasters",
                  category_raw="Ecstasy", category="mdma", price_raw="0.00800000 BTC", currency="BTC",
                  price=Decimal("0.008"), price_eur=Decimal("45.00"), quantity=Decimal("10"), unit="g",
                  unit_price_eur=Decimal("4.5"), ships_from="NL", ships_to=("EU", "WORLDWIDE"), excludes=("US",))
    values.update(changes)
    return Listing(site=site, provenance=prov("listing", listing_id, day), **values)


def vendor(handle: str, day: int = 0, site: str = "bazaar", **changes) -> Vendor:
    values = dict(handle=handle, rating=Decimal("4.87"), sales_count=120, join_date=date(2024, 3, 2),
                  pgp_key="-----BEGIN PGP PUBLIC KEY BLOCK-----", pgp_fingerprint="AB" * 20,
                  pgp_user_ids=(f"{handle} <{handle}@example.invalid>",), contacts=(("wickr", handle.lower()),),
                  profile_text="Stealth shipping from NL", ships_from=("NL", "BE"))
    values.update(changes)
    return Vendor(site=site, provenance=prov("vendor", handle, day), **values)


def feedback(feedback_id: str, day: int = 0, site: str = "bazaar", listing_id: str = "1",
             buyer_hash: str = "b" * 64) -> Feedback:
    return Feedback(site=site, provenance=prov("feedback", feedback_id, day), feedback_id=feedback_id,
                    listing_id=listing_id, vendor="DutchMasters", posted_on=(START + timedelta(days=day)).date(),
                    rating=5, text="fast and stealthy", buyer_hash=buyer_hash)


def post(post_id: str, day: int = 0, site: str = "feed") -> Post:
    return Post(site=site, provenance=prov("post", post_id, day), post_id=post_id, author="dealer_lorient",
                posted_at=day_at(day, 9), text="#beuh livraison Lorient", hashtags=("beuh",),
                contacts=(("snapchat", "dealer56"),), city_keywords=("lorient",), is_advert=True, advert_score=0.93)


def quarantined(key: str, day: int = 0, site: str = "bazaar", reason: str = "price: no amount",
                raw: dict | None = None) -> Quarantined:
    return Quarantined(site=site, kind="listing", reason=reason, provenance=prov("listing", key, day),
                       raw=raw or {"listing_id": key, "price_text": "ask me"})


def crawl(store, day: int, items, status: str = "complete", site: str = "bazaar", hour: int = 12) -> int:
    """One run of ``site`` on ``day`` that saw ``items``; returns its run_id."""
    run = store.start_run(site, site, day_at(day, hour), targets_ref="targets.toml#test")
    store.write_items(run, items)
    store.finish_run(run, status, reason=None if status == "complete" else "test: " + status)
    return run


def rows(store, sql: str, **params) -> list:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params).all()]


def scalar(store, sql: str, **params):
    with store.engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()
