"""Indicator inputs from the database's downstream views (docs/schema.md)."""
from __future__ import annotations

import json

import pandas as pd
from sqlalchemy.engine import Engine

from crawler.indicators.frames import (ACTOR_ACCOUNTS, FEEDBACK, LISTING_DAYS, POST_CONTACTS, POSTS, RUN_DAYS,
                                       IndicatorInputs)


def _json_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return json.loads(value) if value else []
    return list(value)


def inputs_from_db(engine: Engine, social_site: str | None = None) -> IndicatorInputs:
    with engine.connect() as conn:
        runs = pd.read_sql("SELECT site, day, partial_day AS partial FROM v_crawl_days", conn)
        listing_days = pd.read_sql(
            "SELECT site, day, listing_id, vendor, category, price_eur, unit, unit_price_eur, ships_from "
            "FROM v_listing_daily WHERE seen = TRUE", conn)
        feedback = pd.read_sql("SELECT site, feedback_id, listing_id, vendor, posted_on FROM v_feedback", conn)
        actors = pd.read_sql("SELECT site, handle, actor_id FROM v_actor_accounts", conn)
        posts = pd.read_sql("SELECT site, post_id, posted_at, city_keywords, contacts, is_advert FROM v_social_posts",
                            conn)
    if social_site:
        posts = posts[posts["site"] == social_site]
    social_sites = set(posts["site"])
    runs = runs[~runs["site"].isin(social_sites)]     # feeds are not markets: no market indicators for them
    runs["partial"] = runs["partial"].astype(bool)
    for col in ("price_eur", "unit_price_eur"):
        listing_days[col] = listing_days[col].astype(float)
    post_rows, contact_rows = [], []
    for r in posts.itertuples(index=False):
        day = pd.Timestamp(r.posted_at).date()
        for city in _json_list(r.city_keywords):
            post_rows.append((r.post_id, day, city, bool(r.is_advert)))
        for kind, value in _json_list(r.contacts):
            contact_rows.append((r.post_id, day, kind, value))
    return IndicatorInputs(
        run_days=runs[RUN_DAYS], listing_days=listing_days[LISTING_DAYS], feedback=feedback[FEEDBACK],
        actor_accounts=actors[ACTOR_ACCOUNTS],
        posts=pd.DataFrame(post_rows, columns=POSTS), post_contacts=pd.DataFrame(contact_rows, columns=POST_CONTACTS))
