"""Indicator definitions on small hand-made inputs (docs/indicators.md)."""
from datetime import date, timedelta

import pandas as pd
import pytest

from crawler.indicators import IndicatorConfig, IndicatorInputs, compute_all
from crawler.indicators.actors import closures, migrations, multi_origin_daily, relocations
from crawler.indicators.frames import ACTOR_ACCOUNTS, POST_CONTACTS, POSTS, empty
from crawler.indicators.market import site_daily
from crawler.indicators.prices import unit_prices
from crawler.indicators.social import advert_share_daily

D0 = date(2019, 1, 1)


def d(n):
    return D0 + timedelta(days=n)


def listing(site, day, lid, vendor, price=50.0, ships_from="NL", category="cocaine", unit="g", qty=1):
    return {"site": site, "day": d(day), "listing_id": lid, "vendor": vendor, "category": category,
            "price_eur": price, "unit": unit, "unit_price_eur": round(price / qty, 2), "ships_from": ships_from}


def inputs(runs, listings, feedback=(), accounts=(), posts=(), contacts=()):
    return IndicatorInputs(
        run_days=pd.DataFrame([{"site": s, "day": d(n), "partial": p} for s, n, p in runs]),
        listing_days=pd.DataFrame(listings),
        feedback=pd.DataFrame(list(feedback), columns=["site", "feedback_id", "listing_id", "vendor", "posted_on"]),
        actor_accounts=pd.DataFrame(list(accounts), columns=ACTOR_ACCOUNTS) if accounts else empty(ACTOR_ACCOUNTS),
        posts=pd.DataFrame(list(posts), columns=POSTS) if posts else empty(POSTS),
        post_contacts=pd.DataFrame(list(contacts), columns=POST_CONTACTS) if contacts else empty(POST_CONTACTS))


def test_new_and_disappeared_are_not_counted_on_partial_days():
    runs = [("m", 0, False), ("m", 1, True), ("m", 2, False)]
    listings = [listing("m", 0, "a", "v1"), listing("m", 0, "b", "v2"),
                listing("m", 1, "a", "v1"),                                   # partial: b unseen, not gone
                listing("m", 2, "a", "v1"), listing("m", 2, "c", "v3")]
    out = site_daily(inputs(runs, listings)).set_index("day")
    assert out.loc[d(0), "new_listings"] == 2 and pd.isna(out.loc[d(0), "disappeared_listings"])
    assert pd.isna(out.loc[d(1), "disappeared_listings"]) and bool(out.loc[d(1), "partial"])
    assert out.loc[d(2), "disappeared_listings"] == 1       # b, against the last complete day
    assert out.loc[d(2), "new_listings"] == 1 and out.loc[d(2), "disappeared_vendors"] == 1
    assert out.loc[d(2), "active_vendors"] == 2


def test_sales_revenue_and_transaction_values():
    runs = [("m", 0, False), ("m", 1, True), ("m", 2, False)]
    listings = [listing("m", n, "cheap", "v", 50.0) for n in range(3)] + \
               [listing("m", n, "bulk", "v", 400.0 if n < 2 else 450.0) for n in range(3)] + \
               [listing("m", 2, "huge", "w", 1500.0)]
    feedback = [("m", "f1", "cheap", "v", d(0)), ("m", "f2", "bulk", "v", d(1)), ("m", "f3", "cheap", "v", d(2)),
                ("m", "f4", "bulk", "v", d(2)), ("m", "f5", "huge", "w", d(2))]
    out = site_daily(inputs(runs, listings, feedback), IndicatorConfig(wholesale_threshold_eur=200)).set_index("day")
    assert out.loc[d(0), "sales"] == 1 and out.loc[d(0), "revenue_eur"] == 50.0
    assert pd.isna(out.loc[d(1), "sales"])                  # partial day: covered by the next complete day
    day2 = out.loc[d(2)]
    assert day2["sales"] == 4                                # f2 (posted on the partial day) + f3 f4 f5
    assert day2["revenue_eur"] == 400 + 50 + 450 + 1500     # price on the day each was posted
    assert day2["share_orders_under_small"] == 0.25
    assert day2["orders_over_large"] == 1
    assert day2["wholesale_revenue_share"] == round((400 + 450 + 1500) / 2400, 4)


def test_unit_price_quartiles_by_category_and_country():
    listings = [listing("m", 0, f"l{i}", "v", price=p, qty=2) for i, p in enumerate([20, 40, 60, 80])]
    out = unit_prices(inputs([("m", 0, False)], listings))
    row = out.iloc[0]
    assert (row["listings"], row["q1"], row["median"], row["q3"]) == (4, 17.5, 25.0, 32.5)


def test_multi_origin_and_nl_be_share():
    accounts = [("a", "x", "A1"), ("b", "x2", "A1"), ("a", "y", "A2"), ("a", "z", "A3")]
    listings = [listing("a", 0, "1", "x", ships_from="NL"), listing("b", 0, "2", "x2", ships_from="BE"),
                listing("a", 0, "3", "y", ships_from="BE"), listing("a", 0, "4", "y", ships_from="DE"),
                listing("a", 0, "5", "z", ships_from="EUROPE")]
    out = multi_origin_daily(inputs([("a", 0, False), ("b", 0, False)], listings, accounts=accounts))
    row = out.iloc[0]
    assert (row["actors"], row["multi_origin"], row["be_multi_origin"], row["nl_be"]) == (2, 2, 2, 1)
    assert row["nl_be_share"] == 0.5


def test_relocation_needs_a_disjoint_change_that_holds():
    accounts = [("m", "v", "A1"), ("m", "w", "A2")]
    runs = [("m", n, False) for n in range(7)]
    listings = [listing("m", n, "1", "v", ships_from="NL" if n < 3 else "BE") for n in range(7)] + \
               [listing("m", n, "2", "w", ships_from="NL" if n != 3 else "DE") for n in range(7)]  # a blip
    out = relocations(inputs(runs, listings, accounts=accounts), IndicatorConfig(relocation_min_days=3))
    assert out.to_dict("records") == [{"actor_id": "A1", "day": d(3), "from_countries": "NL", "to_countries": "BE"}]


def test_closure_and_migration():
    accounts = [("old", "v", "A1"), ("new", "v_nl", "A1"), ("old", "w", "A2"), ("new", "w", "A2")]
    runs = [("old", n, n >= 3) for n in range(8)] + [("new", n, False) for n in range(8)]
    listings = [listing("old", n, "1", "v") for n in range(3)] + [listing("old", n, "2", "w") for n in range(3)] + \
               [listing("new", n, "3", "v_nl") for n in range(5, 8)] + [listing("new", n, "4", "w") for n in range(8)]
    inp = inputs(runs, listings, accounts=accounts)
    closed = closures(inp, IndicatorConfig(closure_min_days=3))
    assert closed.to_dict("records") == [{"site": "old", "closed_on": d(3), "failed_days": 5}]
    mig = migrations(inp, IndicatorConfig(closure_min_days=3)).set_index("actor_id")
    assert mig.loc["A1", "kind"] == "migrated" and mig.loc["A1", "days_after"] == 2 and mig.loc["A1", "to_site"] == "new"
    assert mig.loc["A2", "kind"] == "already_there"


def test_site_down_for_too_few_days_is_not_closed():
    runs = [("m", 0, False), ("m", 1, True), ("m", 2, True)]
    assert closures(inputs(runs, [listing("m", 0, "1", "v")]), IndicatorConfig(closure_min_days=3)).empty


def test_social_advert_share_per_city():
    posts = [("p1", d(0), "lorient", True), ("p2", d(0), "lorient", True), ("p3", d(0), "lorient", False),
             ("p4", d(0), "toulouse", False)]
    out = advert_share_daily(inputs([("feed", 0, False)], [listing("m", 0, "1", "v")], posts=posts)).set_index("city")
    assert out.loc["lorient", "advert_share"] == round(2 / 3, 4) and out.loc["toulouse", "advert_share"] == 0


def test_compute_all_runs_on_empty_inputs():
    tables = compute_all(inputs([("m", 0, True)], [listing("m", 0, "1", "v")]))
    assert set(tables) >= {"ind_site_daily", "ind_migrations", "ind_social_adverts"}


def test_inputs_missing_columns_are_a_clear_error():
    with pytest.raises(ValueError, match="listing_days lacks columns"):
        IndicatorInputs(run_days=pd.DataFrame(columns=["site", "day", "partial"]),
                        listing_days=pd.DataFrame(columns=["site"]), feedback=empty(["site", "feedback_id",
                        "listing_id", "vendor", "posted_on"]), actor_accounts=empty(ACTOR_ACCOUNTS),
                        posts=empty(POSTS), post_contacts=empty(POST_CONTACTS))
