"""Per site and day: activity, entries and exits, sales and transaction values.

Definitions (also in docs/indicators.md):
- active vendors / listings: distinct vendors / listings shown that day;
- new: first shown that day (never before on that site); disappeared: shown on the
  previous crawled day, not shown that day — counted only when that day's crawl is
  complete (NULL on partial days: unseen is not gone);
- estimated sales: feedback entries posted after the previous crawled day, up to and
  including this day (feedback as a sales proxy); revenue: the sum of the reviewed
  listing's price on the day the feedback was posted (its last known price before then);
- transaction values: share of those orders under ``small_order_eur``, count above
  ``large_order_eur``, share of revenue from orders at or above ``wholesale_threshold_eur``.
"""
from __future__ import annotations

import pandas as pd

from crawler.indicators.frames import IndicatorConfig, IndicatorInputs


def _order_values(inp: IndicatorInputs) -> pd.DataFrame:
    fb = inp.feedback.copy()
    if fb.empty:
        return fb.assign(order_eur=pd.Series(dtype="float"))
    prices = inp.listing_days[["site", "listing_id", "day", "price_eur"]].copy()
    prices["day"] = pd.to_datetime(prices["day"])
    prices = prices.sort_values("day")
    fb["posted_ts"] = pd.to_datetime(fb["posted_on"])
    fb = fb.sort_values("posted_ts")
    merged = pd.merge_asof(fb, prices.rename(columns={"day": "price_day"}), left_on="posted_ts",
                           right_on="price_day", by=["site", "listing_id"], direction="backward")
    # feedback on a listing first shown after the order date: use its first known price
    first = prices.groupby(["site", "listing_id"], as_index=False).first()[["site", "listing_id", "price_eur"]]
    merged = merged.merge(first, on=["site", "listing_id"], how="left", suffixes=("", "_first"))
    merged["order_eur"] = merged["price_eur"].fillna(merged["price_eur_first"]).astype(float)
    return merged.drop(columns=["posted_ts", "price_day", "price_eur", "price_eur_first"])


def site_daily(inp: IndicatorInputs, cfg: IndicatorConfig = IndicatorConfig()) -> pd.DataFrame:
    """One row per site and crawled day. Comparisons (disappeared, sales) are made against
    the last *complete* day; on partial days they are NULL, and the next complete day
    covers the gap."""
    rows = []
    orders = _order_values(inp)
    for site, days in inp.run_days.sort_values("day").groupby("site"):
        shown = inp.listing_days[inp.listing_days["site"] == site]
        by_day_listings = shown.groupby("day")["listing_id"].apply(set).to_dict()
        by_day_vendors = shown.groupby("day")["vendor"].apply(set).to_dict()
        site_orders = orders[orders["site"] == site]
        seen_l: set = set()
        seen_v: set = set()
        last_complete = None          # (day, listings, vendors)
        for day, partial in zip(days["day"], days["partial"]):
            partial = bool(partial)
            lst = by_day_listings.get(day, set())
            ven = by_day_vendors.get(day, set())
            row = {"site": site, "day": day, "partial": partial,
                   "active_listings": len(lst), "active_vendors": len(ven),
                   "new_listings": len(lst - seen_l), "new_vendors": len(ven - seen_v),
                   "disappeared_listings": None, "disappeared_vendors": None, "sales": None,
                   "revenue_eur": None, "share_orders_under_small": None, "orders_over_large": None,
                   "wholesale_revenue_share": None}
            if not partial:
                since = last_complete[0] if last_complete else None
                window = site_orders[(site_orders["posted_on"] <= day) &
                                     ((site_orders["posted_on"] > since) if since else True)]
                values = window["order_eur"].dropna()
                revenue = round(float(values.sum()), 2)
                row.update({
                    "disappeared_listings": len(last_complete[1] - lst) if last_complete else None,
                    "disappeared_vendors": len(last_complete[2] - ven) if last_complete else None,
                    "sales": int(len(window)),
                    "revenue_eur": revenue,
                    "share_orders_under_small": round(float((values < cfg.small_order_eur).mean()), 4)
                    if len(values) else None,
                    "orders_over_large": int((values > cfg.large_order_eur).sum()),
                    "wholesale_revenue_share": round(float(values[values >= cfg.wholesale_threshold_eur].sum())
                                                     / revenue, 4) if revenue else None,
                })
                last_complete = (day, lst, ven)
            rows.append(row)
            seen_l |= lst
            seen_v |= ven
    return pd.DataFrame(rows)
